package scenario

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a tickroom server the benchmark started as a child process.
type Server struct {
	// Addr is host:port of its HTTP and WebSocket endpoints.
	Addr string
	// Command is its full command line.
	Command []string
	cmd     *exec.Cmd
	out     *tail
	exited  chan struct{}
	waitErr error
}

// readyTimeout bounds the wait for a new server's /readyz.
const readyTimeout = 20 * time.Second

// StartServer runs command (the binary and "serve") with args, after
// --addr on a free loopback port that StartServer picks. With pin, the
// server runs on CPU 0 under taskset. It returns once /readyz answers.
func StartServer(ctx context.Context, command, args []string, pin bool) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	full := append(append(append([]string(nil), command...), "--addr", addr), args...)
	if pin {
		full = append([]string{"taskset", "-c", "0"}, full...)
	}
	s := &Server{Addr: addr, Command: full, out: &tail{max: 64 << 10}, exited: make(chan struct{})}
	s.cmd = exec.Command(full[0], full[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.Env = serverEnv(os.Environ())
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("scenario: start server: %w", err)
	}
	go func() {
		defer close(s.exited)
		s.waitErr = s.cmd.Wait()
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Output returns the end of what the server wrote to stdout and stderr.
func (s *Server) Output() string { return s.out.String() }

func (s *Server) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: time.Second}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := hc.Get("http://" + s.Addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("scenario: server exited before it was ready: %v\n%s", s.waitErr, s.Output())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("scenario: server not ready within %v\n%s", readyTimeout, s.Output())
		}
	}
}

// Stop asks the server to shut down (SIGTERM), kills it if it has not
// ended within 30 s, and waits for it. It returns how it ended when that
// was not a clean exit.
func (s *Server) Stop() error {
	select {
	case <-s.exited:
		return s.exitError()
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return errors.New("scenario: server did not stop within 30s after SIGTERM; killed")
	}
	return s.exitError()
}

func (s *Server) exitError() error {
	if s.waitErr != nil {
		return fmt.Errorf("scenario: server: %w", s.waitErr)
	}
	return nil
}

// RSS returns the server's resident set size from /proc/PID/status.
func (s *Server) RSS() (float64, bool) {
	return procStatusBytes(s.PID(), "VmRSS:")
}

func procStatusBytes(pid int, key string) (float64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, key) {
			continue
		}
		fields := strings.Fields(line[len(key):])
		if len(fields) == 0 {
			return 0, false
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// serverEnv drops TICKROOM_* variables, which would set server flags the
// benchmark does not pass on the command line.
func serverEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TICKROOM_") {
			out = append(out, kv)
		}
	}
	return out
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("scenario: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
		if i := bytes.IndexByte(t.buf, '\n'); i >= 0 {
			t.buf = t.buf[i+1:]
		}
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
