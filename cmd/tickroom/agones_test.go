package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/agones"
)

// fakeSidecar is an Agones SDK sidecar that takes every call and records
// it as "METHOD PATH BODY", in order.
type fakeSidecar struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string
}

func newFakeSidecar(t *testing.T) *fakeSidecar {
	t.Helper()
	sc := &fakeSidecar{}
	sc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sc.mu.Lock()
		sc.calls = append(sc.calls, r.Method+" "+r.URL.Path+" "+string(b))
		sc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
	}))
	t.Cleanup(sc.Close)
	return sc
}

func (sc *fakeSidecar) port() string {
	_, port, _ := net.SplitHostPort(sc.Listener.Addr().String())
	return port
}

func (sc *fakeSidecar) all() []string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]string(nil), sc.calls...)
}

// waitFor waits until a call at index from or later is want, and returns
// its index.
func (sc *fakeSidecar) waitFor(t *testing.T, p *proc, from int, want string, limit time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		calls := sc.all()
		for i := from; i < len(calls); i++ {
			if calls[i] == want {
				return i
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %q after call %d within %v; calls:\n  %s\nserver log:\n%s", want, from, limit,
		strings.Join(sc.all(), "\n  "), p.log())
	return -1
}

// TestServeAgones runs the real binary as an Agones GameServer against a
// fake sidecar: labels and Ready once it serves, the rooms counter up when
// a room is created through the API and down when it is disposed of, and
// after SIGTERM the drain, then Shutdown, and exit 0.
func TestServeAgones(t *testing.T) {
	bin := buildBinary(t)
	sc := newFakeSidecar(t)
	// The flag from the environment, as the other flags; the sidecar's
	// port from the variable Agones sets.
	p := start(t, bin, []string{agones.PortEnv + "=" + sc.port(), "TICKROOM_AGONES=true"},
		"--drain-period", "300ms", "--empty-timeout", "4s")
	host, _ := os.Hostname()

	ready := sc.waitFor(t, p, 0, "POST /ready {}", 10*time.Second)
	calls := sc.all()
	wantStart := []string{
		fmt.Sprintf(`PUT /metadata/label {"key":"tickroom-node","value":"%s"}`, agones.LabelValue(host)),
		`PUT /metadata/label {"key":"tickroom-version","value":"dev"}`,
		"POST /ready {}",
	}
	if ready != 2 || strings.Join(calls[:3], "\n") != strings.Join(wantStart, "\n") {
		t.Fatalf("calls at start:\n  %s\nwant:\n  %s", strings.Join(calls, "\n  "), strings.Join(wantStart, "\n  "))
	}
	i := sc.waitFor(t, p, ready, `PATCH /v1beta1/counters/rooms {"count":"0"}`, 5*time.Second)

	resp, err := http.Post("http://"+p.addrs["addr"]+"/api/rooms", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/rooms: %s", resp.Status)
	}
	// The next health tick (2 s) counts the room; the tick after its
	// empty timeout (4 s) counts it gone.
	i = sc.waitFor(t, p, i+1, `PATCH /v1beta1/counters/rooms {"count":"1"}`, 10*time.Second)
	sc.waitFor(t, p, i+1, `PATCH /v1beta1/counters/rooms {"count":"0"}`, 15*time.Second)

	if code, took := p.terminate(t, 15*time.Second); code != 0 {
		t.Fatalf("exit status %d after %v, want 0\n%s", code, took, p.log())
	}
	calls = sc.all()
	if last := calls[len(calls)-1]; last != "POST /shutdown {}" {
		t.Errorf("last call %q, want POST /shutdown {}; calls:\n  %s", last, strings.Join(calls, "\n  "))
	}
	health := 0
	for _, c := range calls[ready+1:] {
		switch {
		case c == "POST /health {}":
			health++
		case strings.HasPrefix(c, "PATCH /v1beta1/counters/rooms "), c == "POST /shutdown {}":
		default:
			t.Errorf("unexpected call after Ready: %q", c)
		}
	}
	if health < 3 {
		t.Errorf("%d health pings in the run, want one every 2 s", health)
	}
	log := p.log()
	for _, want := range []string{"agones: ready", "agones: shutdown sent", "shut down cleanly"} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not say %q:\n%s", want, log)
		}
	}
	// Shutdown comes after the drain has ended.
	if strings.Index(log, "agones: shutdown sent") < strings.Index(log, "draining") {
		t.Errorf("Shutdown before the drain:\n%s", log)
	}
}

// TestServeAgonesBadPort: a bad AGONES_SDK_HTTP_PORT stops the start, and
// without --agones it is not read.
func TestServeAgonesBadPort(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--agones")
	cmd.Env = append(os.Environ(), agones.PortEnv+"=nope")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 || !strings.Contains(string(out), agones.PortEnv) {
		t.Errorf("serve --agones with %s=nope: %v %s, want a non-zero exit naming the variable", agones.PortEnv, err, out)
	}
	p := start(t, bin, []string{agones.PortEnv + "=nope"})
	if code, _ := p.terminate(t, 15*time.Second); code != 0 {
		t.Errorf("serve without --agones: exit %d\n%s", code, p.log())
	}
	if strings.Contains(p.log(), "agones") {
		t.Errorf("serve without --agones logs of Agones:\n%s", p.log())
	}
}
