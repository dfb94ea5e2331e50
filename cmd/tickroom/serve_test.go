package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/spf13/pflag"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// binDir holds the tickroom command, built once for the whole test run.
var binDir string

var binary = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "tickroom")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tickroom-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// Every server a test starts keeps its data under the run's temporary
	// directory, never in the user's ~/.local/share: those the helpers
	// start get a directory each (TICKROOM_DATA_DIR), any other the
	// shared one here.
	if err := os.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestServeGracefulShutdown runs the real binary: a client joins, SIGTERM
// arrives, the client gets the shutting-down close code and the process
// exits 0.
func TestServeGracefulShutdown(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--drain-period", "300ms")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+p.addrs["addr"]+"/ws", client.Options{Hello: netcode.Hello{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if got := c.Welcome().Game; got != "snake" {
		t.Fatalf("game %q, want snake", got)
	}
	next(ctx, t, c, netcode.MsgSnapshot)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := c.Next(ctx)
		if err == nil {
			continue
		}
		if got, want := websocket.CloseStatus(err), netcode.CloseShuttingDown; got != want {
			t.Fatalf("close status %v (%v), want %v", got, err, want)
		}
		break
	}
	if code, took := p.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit status %d after %v, want 0\n%s", code, took, p.log())
	}
}

// startServer runs `tickroom serve` on a free loopback port and returns
// the process and its address. The caller may Wait for the process (start
// is the helper that keeps the log).
func startServer(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd, addrs := startServerAddrs(t, bin, args...)
	return cmd, addrs["addr"]
}

// startServerAddrs is startServer returning every address the server
// logged before it was serving, by log key (addr, pprof_addr).
func startServerAddrs(t *testing.T, bin string, args ...string) (*exec.Cmd, map[string]string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "text"}, args...)...)
	cmd.Env = append(os.Environ(), "TICKROOM_DATA_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addrRe := regexp.MustCompile(`\b(pprof_addr|addr)=(127\.0\.0\.1:\d+)`)
	addrs := map[string]string{}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		for _, m := range addrRe.FindAllStringSubmatch(lines.Text(), -1) {
			addrs[m[1]] = m[2]
		}
		if strings.Contains(lines.Text(), "tickroom serving") {
			break
		}
	}
	if addrs["addr"] == "" {
		t.Fatal("server never logged its address")
	}
	go func() { // keep draining so the server never blocks on stderr
		for lines.Scan() {
		}
	}()
	return cmd, addrs
}

// proc is a running `tickroom serve`.
type proc struct {
	cmd *exec.Cmd
	// addrs holds the addresses it logged before it was serving, by log
	// key (addr, pprof_addr).
	addrs map[string]string

	mu     sync.Mutex
	stderr strings.Builder // everything it logged

	exited  chan struct{} // closed once it has exited and its log is all read
	waitErr error         // cmd.Wait's, once exited is closed
}

// start runs `tickroom serve` on a free loopback port, with env added to
// the environment (after a TICKROOM_DATA_DIR of the test's own, which env
// or args may override), and waits until it is serving. It keeps everything the
// server logs; wait or terminate, not cmd.Wait, wait for its exit. The
// process is killed at the end of the test if it is still running.
func start(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "text"}, args...)...)
	cmd.Env = append(append(os.Environ(), "TICKROOM_DATA_DIR="+t.TempDir()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addrs: map[string]string{}, exited: make(chan struct{})}
	serving := make(chan struct{})
	go func() {
		addrRe := regexp.MustCompile(`\b(pprof_addr|addr)=(127\.0\.0\.1:\d+)`)
		lines := bufio.NewScanner(stderr)
		started := false
		for lines.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(lines.Text() + "\n")
			if !started {
				for _, m := range addrRe.FindAllStringSubmatch(lines.Text(), -1) {
					p.addrs[m[1]] = m[2]
				}
				if strings.Contains(lines.Text(), "tickroom serving") {
					started = true
					close(serving)
				}
			}
			p.mu.Unlock()
		}
		// Wait only once the log is all read: it closes the pipe.
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	select {
	case <-serving:
	case <-p.exited:
		t.Fatalf("server exited before serving: %v\n%s", p.waitErr, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("server not serving within 30 s\n%s", p.log())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.addrs["addr"] == "" {
		t.Fatalf("server never logged its address\n%s", p.stderr.String())
	}
	return p
}

// log is what the server has logged so far.
func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// wait waits up to limit for the server to exit and returns its exit code
// and how long it took; it fails the test if the server is still running.
func (p *proc) wait(t *testing.T, limit time.Duration) (code int, took time.Duration) {
	t.Helper()
	began := time.Now()
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("server still running %v later\n%s", limit, p.log())
	}
	took = time.Since(began)
	var ee *exec.ExitError
	switch {
	case errors.As(p.waitErr, &ee):
		return ee.ExitCode(), took
	case p.waitErr != nil:
		t.Fatal(p.waitErr)
	}
	return 0, took
}

// terminate sends SIGTERM and waits up to limit for the exit, as wait.
func (p *proc) terminate(t *testing.T, limit time.Duration) (code int, took time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return p.wait(t, limit)
}

func TestRoomsCommands(t *testing.T) {
	bin := buildBinary(t)
	_, addr := startServer(t, bin, "--join-secret", "pw")
	server := "http://" + addr
	out, err := exec.Command(bin, "rooms", "create", "--server", server, "--join-secret", "pw", "--max-players", "4").CombinedOutput()
	if err != nil {
		t.Fatalf("rooms create: %v\n%s", err, out)
	}
	id := strings.TrimSpace(string(out))
	cmd := exec.Command(bin, "rooms", "list", "--server", server, "--json")
	cmd.Env = append(os.Environ(), "TICKROOM_JOIN_SECRET=pw")
	out, err = cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rooms list: %v\n%s", err, out)
	}
	var rooms []struct {
		ID         string `json:"id"`
		MaxPlayers int    `json:"maxPlayers"`
	}
	if err := json.Unmarshal(out, &rooms); err != nil {
		t.Fatalf("rooms list --json: %v\n%s", err, out)
	}
	if len(rooms) != 1 || rooms[0].ID != id || rooms[0].MaxPlayers != 4 {
		t.Fatalf("listed %+v, want room %s with 4 seats", rooms, id)
	}
	out, err = exec.Command(bin, "rooms", "create", "--server", server).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Fatalf("rooms create without the secret: %v %s, want a 401 error", err, out)
	}
}

func next(ctx context.Context, t *testing.T, c *client.Client, want netcode.MsgType) netcode.Message {
	t.Helper()
	for {
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		if m.Type == want {
			return m
		}
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	token := filepath.Join(dir, "token")
	for name, content := range map[string]string{empty: " \n", token: "tok\n"} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{args: []string{"--tick-rate", "0"}, want: "--tick-rate 0"},
		{args: []string{"--addr", "nonsense"}, want: "--addr"},
		{args: []string{"--log-level", "loud"}, want: "--log-level"},
		{args: []string{"--log-format", "xml"}, want: "--log-format"},
		{args: []string{"--board-width", "3"}, want: "width"},
		{env: "TICKROOM_MAX_PLAYERS=lots", want: "TICKROOM_MAX_PLAYERS"},
		{args: []string{"--no-such-flag"}, want: "unknown flag"},
		{args: []string{"--rooms-per-ip", "-1"}, want: "--rooms-per-ip"},
		{args: []string{"--room-create-burst", "0"}, want: "the bursts at least 1"},
		{args: []string{"--lookup-fail-rate", "-2"}, want: "--lookup-fail-rate"},
		{env: "TICKROOM_RESERVATIONS_PER_IP=many", want: "TICKROOM_RESERVATIONS_PER_IP"},
		{args: []string{"--http-read-timeout", "0s"}, want: "--http-read-timeout 0s: must be positive"},
		{args: []string{"--http-write-timeout", "-1s"}, want: "--http-write-timeout -1s"},
		{args: []string{"--http-idle-timeout", "0s"}, want: "--http-idle-timeout"},
		{args: []string{"--http-header-timeout", "0s"}, want: "--http-header-timeout"},
		{args: []string{"--http-max-header-bytes", "100"}, want: "--http-max-header-bytes 100"},
		{env: "TICKROOM_HTTP_READ_TIMEOUT=soon", want: "TICKROOM_HTTP_READ_TIMEOUT"},
		{args: []string{"--admin-token-file", missing}, want: "--admin-token-file: open " + missing},
		{args: []string{"--admin-token-file", empty}, want: "--admin-token-file " + strconv.Quote(empty) + ": the file is empty"},
		{args: []string{"--admin-token", "x", "--admin-token-file", token}, want: "--admin-token and --admin-token-file both set"},
		{args: []string{"--join-secret-file", missing}, want: "--join-secret-file: open " + missing},
		{env: "TICKROOM_JOIN_SECRET_FILE=" + empty, want: "--join-secret-file"},
		{args: []string{"--join-secret-file", token}, env: "TICKROOM_JOIN_SECRET=x", want: "--join-secret and --join-secret-file both set"},
	} {
		cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		cmd.Env = os.Environ()
		if tc.env != "" {
			cmd.Env = append(cmd.Env, tc.env)
		}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("%v %s: err %v, want a non-zero exit", tc.args, tc.env, err)
			continue
		}
		if !regexp.MustCompile(regexp.QuoteMeta(tc.want)).Match(out) {
			t.Errorf("%v %s: output %q does not mention %q", tc.args, tc.env, out, tc.want)
		}
	}
}

// TestServeFlagsNameTheirEnv: every flag's help names its variable, the
// new ones included.
func TestServeFlagsNameTheirEnv(t *testing.T) {
	f := newServeCmd().Flags()
	for _, name := range []string{"admin-token-file", "join-secret-file", "http-header-timeout", "http-read-timeout",
		"http-write-timeout", "http-idle-timeout", "http-max-header-bytes"} {
		if f.Lookup(name) == nil {
			t.Errorf("no --%s flag", name)
		}
	}
	f.VisitAll(func(fl *pflag.Flag) {
		if want := "[$" + envName(fl.Name) + "]"; !strings.Contains(fl.Usage, want) {
			t.Errorf("--%s help %q does not name %s", fl.Name, fl.Usage, want)
		}
	})
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestServeAdminAndPprof(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--pprof", "127.0.0.1:0", "--admin-token", "tok")
	addrs := p.addrs
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + addrs["pprof_addr"] + "/debug/pprof/", 200},
		{"http://" + addrs["pprof_addr"] + "/debug/pprof/heap?debug=1", 200},
		// The command line holds the secrets (--admin-token here).
		{"http://" + addrs["pprof_addr"] + "/debug/pprof/cmdline", 404},
		{"http://" + addrs["addr"] + "/debug/pprof/", 404},
		{"http://" + addrs["addr"] + "/debug/pprof/cmdline", 404},
		{"http://" + addrs["addr"] + "/admin?token=tok", 303},
		{"http://" + addrs["addr"] + "/admin?token=bad", 401},
		{"http://" + addrs["addr"] + "/admin", 401},
		{"http://" + addrs["addr"] + "/metrics", 200},
	} {
		resp, err := noRedirect.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
		if strings.Contains(tc.url, "/debug/pprof/") && strings.Contains(string(body), "--admin-token") {
			t.Errorf("GET %s shows the command line: %.200s", tc.url, body)
		}
	}
	if strings.Contains(p.log(), "reachable from the network") {
		t.Errorf("--pprof on 127.0.0.1 warned it is reachable from the network:\n%s", p.log())
	}
}

func TestPprofLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:6060": true, "[::1]:6060": true, "127.0.0.2:6060": true,
		"0.0.0.0:6060": false, "[::]:6060": false, "192.0.2.7:6060": false, "[2001:db8::1]:6060": false,
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := loopback(a); got != want {
			t.Errorf("loopback(%s) = %v, want %v", addr, got, want)
		}
	}
}
