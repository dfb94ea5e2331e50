package scenario

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler fetches Go profiles from the server's pprof listener (tickroom
// serve --pprof) during a window.
type profiler struct {
	base string // http://host:port
	dir  string
	name string // file name prefix
}

// profileCPU records a CPU profile of d, starting now, into a file; the
// returned function waits for it and gives its path (or an error).
func (p *profiler) profileCPU(ctx context.Context, label string, d time.Duration) func() (string, error) {
	secs := max(int(d/time.Second), 1)
	path := filepath.Join(p.dir, fmt.Sprintf("%s-%s-cpu.pprof", p.name, label))
	done := make(chan error, 1)
	go func() {
		done <- p.fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), path)
	}()
	return func() (string, error) {
		return path, <-done
	}
}

// profileHeap records the heap profile (in-use and allocated since start)
// now.
func (p *profiler) profileHeap(ctx context.Context, label string) (string, error) {
	path := filepath.Join(p.dir, fmt.Sprintf("%s-%s-heap.pprof", p.name, label))
	return path, p.fetch(ctx, "/debug/pprof/heap", path)
}

func (p *profiler) fetch(ctx context.Context, path, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("scenario: profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("scenario: profile %s: %s", path, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("scenario: profile %s: %w", path, err)
	}
	return f.Close()
}
