package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// runHealthcheck runs `tickroom healthcheck args...` with env added and
// returns its exit code and output.
func runHealthcheck(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"healthcheck"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	case err != nil:
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestHealthcheck runs the real binary against a running server, a
// draining one and a stopped one.
func TestHealthcheck(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--drain-period", "10s", "--resume-grace", "0")
	addr := p.addrs["addr"]
	_, port, _ := net.SplitHostPort(addr)
	url := "http://" + addr

	for _, tc := range []struct {
		env  []string
		args []string
	}{
		{args: []string{"--url", url}},
		{args: []string{"--url", url + "/", "--ready"}},
		{env: []string{"TICKROOM_URL=" + url, "TICKROOM_READY=true"}},
		// The address tickroom serve reads from the same environment.
		{env: []string{"TICKROOM_ADDR=:" + port}},
		{env: []string{"TICKROOM_ADDR=127.0.0.1:" + port}, args: []string{"--ready"}},
	} {
		if code, out := runHealthcheck(t, bin, tc.env, tc.args...); code != 0 || out != "" {
			t.Errorf("healthcheck %v %v on a running server: exit %d %q, want 0 and no output", tc.env, tc.args, code, out)
		}
	}
	code, out := runHealthcheck(t, bin, nil, "--url", url+"/nope")
	if code == 0 || !strings.Contains(out, "/nope/healthz: 404 Not Found") || strings.Count(out, "\n") != 1 {
		t.Errorf("healthcheck of a path that is not the server's: exit %d %q, want non-zero and one line with the 404", code, out)
	}

	// A player keeps the drain going until it leaves.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Hello: netcode.Hello{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 503 within 10 s of SIGTERM\n%s", p.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	code, out = runHealthcheck(t, bin, nil, "--url", url, "--ready")
	if code == 0 || !strings.Contains(out, "/readyz: 503 Service Unavailable: draining") || strings.Count(out, "\n") != 1 {
		t.Errorf("healthcheck --ready while draining: exit %d %q, want non-zero and one line with the 503", code, out)
	}
	if code, out := runHealthcheck(t, bin, nil, "--url", url); code != 0 {
		t.Errorf("healthcheck (healthz) while draining: exit %d %q, want 0", code, out)
	}

	c.CloseNow()
	if code, took := p.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("server exit %d after %v\n%s", code, took, p.log())
	}
	for _, args := range [][]string{{"--url", url}, {"--url", url, "--ready"}} {
		code, out := runHealthcheck(t, bin, nil, args...)
		if code == 0 || !strings.Contains(out, "connection refused") || strings.Count(out, "\n") != 1 {
			t.Errorf("healthcheck %v on a stopped server: exit %d %q, want non-zero and one line with connection refused", args, code, out)
		}
	}
}

// TestHealthcheckTimeout: a server that accepts the connection and never
// answers fails the check at the timeout.
func TestHealthcheckTimeout(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // the kernel completes connections; nobody reads them
	began := time.Now()
	code, out := runHealthcheck(t, bin, nil, "--url", "http://"+ln.Addr().String(), "--timeout", "300ms")
	if code == 0 || !strings.Contains(out, "no answer within 300ms") {
		t.Errorf("healthcheck of a mute server: exit %d %q, want non-zero and the timeout", code, out)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("healthcheck with --timeout 300ms took %v", took)
	}
}

func TestHealthcheckBadFlags(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", "ftp://host"}, `--url "ftp://host"`},
		{[]string{"--url", "127.0.0.1:8080"}, "want http://host:port"},
		{[]string{"--timeout", "0s"}, "--timeout 0s"},
		{[]string{"extra"}, "unknown command"},
	} {
		if code, out := runHealthcheck(t, bin, nil, tc.args...); code == 0 || !strings.Contains(out, tc.want) {
			t.Errorf("healthcheck %v: exit %d %q, want non-zero mentioning %q", tc.args, code, out, tc.want)
		}
	}
}

func TestHealthcheckURL(t *testing.T) {
	for addr, want := range map[string]string{
		"":               defaultHealthcheckURL,
		"nonsense":       defaultHealthcheckURL,
		":9000":          "http://127.0.0.1:9000",
		"0.0.0.0:9000":   "http://127.0.0.1:9000",
		"[::]:9000":      "http://127.0.0.1:9000",
		"10.1.2.3:9000":  "http://10.1.2.3:9000",
		"[::1]:9000":     "http://[::1]:9000",
		"localhost:8081": "http://localhost:8081",
	} {
		if got := healthcheckURL(addr); got != want {
			t.Errorf("healthcheckURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
