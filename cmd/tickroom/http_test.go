package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// slowBody opens a connection to addr and starts a POST /api/rooms that
// promises a 100-byte body and then sends it one byte every 500 ms, as a
// slowloris client does. It stops when the server closes the connection.
func slowBody(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_, err = io.WriteString(conn, "POST /api/rooms HTTP/1.1\r\nHost: tickroom\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range 100 {
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	return conn
}

// closedWithin reads conn until the server closes it and reports how long
// that took; it fails the test when conn is still open after limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration, what string) time.Duration {
	t.Helper()
	began := time.Now()
	conn.SetReadDeadline(began.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	took := time.Since(began)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: connection still open after %v", what, limit)
	}
	// EOF (nil from Copy) or a reset: either way the server let go.
	return took
}

// TestHTTPReadTimeoutCutsSlowBody: with --http-read-timeout 1s, a request
// whose 100-byte body arrives a byte every 500 ms (50 s in all) is cut:
// the connection is closed within 5 s.
func TestHTTPReadTimeoutCutsSlowBody(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--http-read-timeout", "1s")
	conn := slowBody(t, p.addrs["addr"])
	took := closedWithin(t, conn, 5*time.Second, "slow body with --http-read-timeout 1s: want closed within 5 s")
	t.Logf("slow body cut after %v", took)
}

// TestHTTPIdleTimeoutClosesKeepAlive: with --http-idle-timeout 1s, a
// keep-alive connection left idle after a request is closed within 5 s.
func TestHTTPIdleTimeoutClosesKeepAlive(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--http-idle-timeout", "1s")
	conn, err := net.Dial("tcp", p.addrs["addr"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: tickroom\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("GET /healthz: %d close=%v, want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}
	began := time.Now()
	conn.SetReadDeadline(began.Add(5 * time.Second))
	_, err = br.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("idle keep-alive connection with --http-idle-timeout 1s still open after 5 s")
	}
	if err == nil {
		t.Fatal("the server sent bytes on an idle connection")
	}
	t.Logf("idle connection closed after %v", time.Since(began))
}

// TestHTTPShutdownCutsSlowRequest: SIGTERM with a slow request in flight,
// --drain-period 0 --shutdown-timeout 1s: the process cuts the request at
// the timeout, warns, and exits 0 within 5 s.
func TestHTTPShutdownCutsSlowRequest(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--drain-period", "0s", "--shutdown-timeout", "1s")
	conn := slowBody(t, p.addrs["addr"])
	// Let the server read the headers and start the handler, so that the
	// request is in flight (it would be cut either way).
	time.Sleep(300 * time.Millisecond)
	code, took := p.terminate(t, 5*time.Second)
	if code != 0 {
		t.Fatalf("exit status %d after %v with a slow request in flight, want 0 within 5 s\n%s", code, took, p.log())
	}
	if !strings.Contains(p.log(), "closing their connections") {
		t.Errorf("no warning about the cut request in the log:\n%s", p.log())
	}
	closedWithin(t, conn, time.Second, "slow request after the server exited")
	t.Logf("exited 0 %v after SIGTERM", took)
}

// TestHTTPMaxHeaderBytes: a 64 KiB header gets 431 under the default
// --http-max-header-bytes of 16 KiB, where net/http's own default (1 MB)
// let it in; ordinary requests, and headers of a few KiB, pass.
func TestHTTPMaxHeaderBytes(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil)
	get := func(header int) int {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+p.addrs["addr"]+"/healthz", nil)
		if header > 0 {
			req.Header.Set("X-Padding", strings.Repeat("a", header))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET with a %d-byte header: %v", header, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(64 << 10); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: %d, want 431 with the 16 KiB default", got)
	}
	for _, n := range []int{0, 8 << 10} {
		if got := get(n); got != http.StatusOK {
			t.Errorf("%d-byte header: %d, want 200", n, got)
		}
	}
}

// TestHTTPTimeoutsSpareWebSockets: with every HTTP timeout at 1 s, a
// WebSocket client stays connected and keeps getting snapshots for 3 s.
// The server reads too meanwhile: the client answers its pings (every 2 s),
// and a read deadline left from the HTTP request would have failed that.
func TestHTTPTimeoutsSpareWebSockets(t *testing.T) {
	bin := buildBinary(t)
	p := start(t, bin, nil, "--http-read-timeout", "1s", "--http-write-timeout", "1s",
		"--http-idle-timeout", "1s", "--http-header-timeout", "1s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+p.addrs["addr"]+"/ws", client.Options{Hello: netcode.Hello{Name: "long"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	began := time.Now()
	snapshots := 0
	for time.Since(began) < 3*time.Second {
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("WebSocket cut %v after the upgrade (HTTP timeouts 1 s), %d snapshots in: %v", time.Since(began), snapshots, err)
		}
		if m.Type == netcode.MsgSnapshot {
			snapshots++
		}
	}
	if snapshots < 10 {
		t.Fatalf("%d snapshots in 3 s at 20 Hz, want many", snapshots)
	}
	t.Logf("%d snapshots over 3 s with 1 s HTTP timeouts", snapshots)
}

// writeSecret writes a secret file as an operator would: with a newline.
func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	path := t.TempDir() + "/secret"
	if err := os.WriteFile(path, []byte("  "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeAdminTokenFromFile: --admin-token-file's token (trimmed) opens
// the admin API and the login, and appears nowhere in the log, at debug
// level, from start to exit.
func TestServeAdminTokenFromFile(t *testing.T) {
	bin := buildBinary(t)
	const token = "adm1n-t0ken-from-file"
	p := start(t, bin, nil, "--admin-token-file", writeSecret(t, token), "--log-level", "debug", "--drain-period", "0s")
	base := "http://" + p.addrs["addr"]
	state := func(bearer string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/admin/api/state", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := state(token); got != http.StatusOK {
		t.Errorf("admin API with the file's token: %d, want 200", got)
	}
	if got := state(token + "x"); got != http.StatusUnauthorized {
		t.Errorf("admin API with a wrong token: %d, want 401", got)
	}
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader("token="+token))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Errorf("login with the file's token: %d cookies %v, want 303 and a cookie", resp.StatusCode, resp.Cookies())
	}
	if code, _ := p.terminate(t, 10*time.Second); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if log := p.log(); strings.Contains(log, token) {
		t.Errorf("the admin token is in the log:\n%s", log)
	}
}

// TestServeJoinSecretFromEnvFile: TICKROOM_JOIN_SECRET_FILE names the
// join secret's file; a client without the secret is refused, one with it
// plays, and the secret appears nowhere in the log.
func TestServeJoinSecretFromEnvFile(t *testing.T) {
	bin := buildBinary(t)
	const secret = "j0in-secret-from-file"
	p := start(t, bin, []string{"TICKROOM_JOIN_SECRET_FILE=" + writeSecret(t, secret)}, "--log-level", "debug", "--drain-period", "0s")
	ws := "ws://" + p.addrs["addr"] + "/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if c, err := client.Dial(ctx, ws, client.Options{Hello: netcode.Hello{Name: "nobody"}}); err == nil {
		c.CloseNow()
		t.Fatal("a client without the join secret was admitted")
	} else if got := websocket.CloseStatus(err); got != netcode.CloseUnauthorized {
		t.Fatalf("a client without the join secret: %v (close %v), want %v", err, got, netcode.CloseUnauthorized)
	}
	c, err := client.Dial(ctx, ws, client.Options{Hello: netcode.Hello{Name: "friend", Auth: secret}})
	if err != nil {
		t.Fatalf("a client with the file's join secret: %v", err)
	}
	next(ctx, t, c, netcode.MsgSnapshot)
	c.CloseNow()
	if code, _ := p.terminate(t, 10*time.Second); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if log := p.log(); strings.Contains(log, secret) {
		t.Errorf("the join secret is in the log:\n%s", log)
	}
}
