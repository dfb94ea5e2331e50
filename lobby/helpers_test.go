package lobby_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/fakeclock"
	"github.com/tickroom/tickroom/internal/sendbuf"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// env is one server on a loopback httptest listener.
type env struct {
	t   *testing.T
	srv *lobby.Server
	hs  *httptest.Server
	url string
}

// newEnv starts a server with the given game types; the first is the
// default. Cleanup shuts it down and waits for every goroutine.
func newEnv(t *testing.T, cfg lobby.Config, types ...game.Type) *env {
	t.Helper()
	return newEnvBuffers(t, cfg, 0, types...)
}

// newEnvBuffers is newEnv with the server's TCP send buffer per connection
// set to sendBuf bytes (0 leaves the kernel's autotuning), so that a client
// that reads slowly pushes back on the server's writer within a few frames.
func newEnvBuffers(t *testing.T, cfg lobby.Config, sendBuf int, types ...game.Type) *env {
	t.Helper()
	var out io.Writer = io.Discard
	if os.Getenv("TICKROOM_TEST_LOG") != "" {
		out = testWriter{t}
	}
	return newEnvLog(t, cfg, sendBuf, out, types...)
}

// newEnvLog is newEnvBuffers with the server's log (info level and up, as
// a server runs by default) written to out.
func newEnvLog(t *testing.T, cfg lobby.Config, sendBuf int, out io.Writer, types ...game.Type) *env {
	t.Helper()
	level := slog.LevelInfo
	if os.Getenv("TICKROOM_TEST_LOG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	srv := lobby.NewServer(cfg, log)
	for _, typ := range types {
		if err := srv.Register(typ); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewUnstartedServer(srv)
	if sendBuf > 0 {
		hs.Listener = sendbuf.Listener{Listener: hs.Listener, Size: sendBuf}
	}
	hs.Start()
	e := &env{t: t, srv: srv, hs: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// dial joins with hello h and fails the test on error.
func (e *env) dial(h netcode.Hello) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h})
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { c.CloseNow() })
	return c
}

// next reads the next message of type want, skipping others.
func next(t *testing.T, c *client.Client, want netcode.MsgType) netcode.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
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

// from returns an HTTP client whose connections come from the loopback
// address ip (any of 127.0.0.0/8), so that tests can play several client
// addresses on one machine.
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
}

// call sends one API request through hc with extra headers and returns the
// response, its body read and closed.
func (e *env) call(hc *http.Client, method, path string, body any, hdr http.Header) (*http.Response, []byte) {
	e.t.Helper()
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.hs.URL+path, &rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// fakeTime returns a fake clock for a server's config.
func fakeTime() *fakeclock.Clock { return fakeclock.New(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)) }

// advanceUntil moves clk on by step at a time until cond holds. A room
// arms its timers on its own goroutine, so that a single step could come
// before a new room's timer exists; steps until the condition holds do
// not depend on that.
func advanceUntil(t *testing.T, clk *fakeclock.Clock, step time.Duration, what string, cond func() bool) {
	t.Helper()
	wait.For(t, what, 10*time.Second, func() bool {
		if cond() {
			return true
		}
		clk.Advance(step)
		return false
	})
}

// advanceRoom moves clk on by d, at least a tick, and waits until room,
// which must have members, has run the ticks due: then it has also done
// what was due by then (expiries, disposal).
func advanceRoom(t *testing.T, clk *fakeclock.Clock, room *lobby.Room, d time.Duration) {
	t.Helper()
	before := room.Stats().Steps
	clk.Advance(d)
	wait.For(t, "the room to run its due ticks", 10*time.Second, func() bool { return room.Stats().Steps > before })
}

// settle returns once room has finished what it was doing: it takes one
// command at a time, and finishes a join (arming its tick timer with it)
// before it takes the next.
func settle(t *testing.T, room *lobby.Room) {
	t.Helper()
	if _, err := room.Members(t.Context()); err != nil {
		t.Fatal(err)
	}
}
