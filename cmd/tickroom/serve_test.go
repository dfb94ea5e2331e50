package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	client "github.com/tickroom/tickroom/clients/go"
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
	cmd, addr := startServer(t, bin, "--drain-period", "300ms")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Hello: netcode.Hello{Name: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if got := c.Welcome().Game; got != "snake" {
		t.Fatalf("game %q, want snake", got)
	}
	next(ctx, t, c, netcode.MsgSnapshot)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
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
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit status %d, want 0", ee.ExitCode())
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
}

// startServer runs `tickroom serve` on a free loopback port and returns
// the process and its address.
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

func TestServeAdminAndPprof(t *testing.T) {
	bin := buildBinary(t)
	_, addrs := startServerAddrs(t, bin, "--pprof", "127.0.0.1:0", "--admin-token", "tok")
	for _, tc := range []struct {
		url  string
		want int
	}{
		{"http://" + addrs["pprof_addr"] + "/debug/pprof/", 200},
		{"http://" + addrs["addr"] + "/debug/pprof/", 404},
		{"http://" + addrs["addr"] + "/admin?token=tok", 200},
		{"http://" + addrs["addr"] + "/admin?token=bad", 401},
		{"http://" + addrs["addr"] + "/metrics", 200},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
}
