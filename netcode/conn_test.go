package netcode_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/sendbuf"
	waitpkg "github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/netcode"
)

// wait bounds every wait for something that should happen; generous, so
// that a loaded machine does not fail a test. Nothing asserts that an
// operation was fast.
const wait = 10 * time.Second

// quiet is a Config that never pings during a test, so that clients read
// only what the test expects.
func quiet() netcode.Config {
	return netcode.Config{PingInterval: time.Hour, PongTimeout: 2 * time.Hour, HelloTimeout: wait}
}

// recorder is a Handler that records what it receives, without blocking.
type recorder struct{ msgs chan netcode.Message }

func newRecorder() *recorder { return &recorder{msgs: make(chan netcode.Message, 4096)} }

func (r *recorder) HandleMessage(_ *netcode.Conn, m *netcode.Message) {
	cp := *m
	cp.Payload = bytes.Clone(m.Payload) // it aliases the reader's frame
	select {
	case r.msgs <- cp:
	default:
		panic("recorder full")
	}
}

func (r *recorder) next(t *testing.T) netcode.Message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(wait):
		t.Fatal("handler: no message")
		return netcode.Message{}
	}
}

type serverOptions struct {
	cfg netcode.Config
	// welcome sends a welcome after the hello, as clients/go expects.
	welcome bool
	// before runs after the hello and before Run: the writer is not
	// running yet.
	before func(*netcode.Conn, *netcode.Hello)
	// handler replaces the recorder.
	handler netcode.Handler
	// writers, when set, writes the connections (the caller closes it);
	// else the server has its own.
	writers *netcode.Writers
	// sendBuf, when set, is the server's socket send buffer, so that a
	// client that stops reading fills it within a few frames.
	sendBuf int
}

// serverEnd is how one connection's handler ended.
type serverEnd struct {
	badVersion bool
	conn       *netcode.Conn
	hello      *netcode.Hello
	helloErr   error
}

type testServer struct {
	url      string
	rec      *recorder
	conns    chan *netcode.Conn // each Conn as its Run starts
	ends     chan serverEnd     // each handler as it returns
	shutdown context.CancelFunc // ends the context given to Run
}

// startServer serves netcode connections the way the lobby does, on a
// loopback httptest server.
func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{
		rec:      newRecorder(),
		conns:    make(chan *netcode.Conn, 16),
		ends:     make(chan serverEnd, 16),
		shutdown: cancel,
	}
	var handlers sync.WaitGroup
	writers := opts.writers
	if writers == nil {
		writers = netcode.NewWriters(0)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		sock, err := netcode.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{netcode.Subprotocol}})
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		ws := sock.WS
		var end serverEnd
		defer func() { ts.ends <- end }()
		if !netcode.CheckSubprotocol(ws) {
			end.badVersion = true
			return
		}
		c := netcode.NewConn(sock, opts.cfg, writers)
		end.conn = c
		end.hello, end.helloErr = c.ReadHello(ctx)
		if end.helloErr != nil {
			return
		}
		if opts.welcome {
			if err := c.SendWelcome(&netcode.Welcome{Player: 1, Room: "r1", Game: "test", TickRate: 20}); err != nil {
				t.Errorf("SendWelcome: %v", err)
			}
		}
		if opts.before != nil {
			opts.before(c, end.hello)
		}
		ts.conns <- c
		var h netcode.Handler = ts.rec
		if opts.handler != nil {
			h = opts.handler
		}
		c.Run(ctx, h)
	}))
	if opts.sendBuf > 0 {
		srv.Listener = sendbuf.Listener{Listener: srv.Listener, Size: opts.sendBuf}
	}
	srv.Start()
	ts.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		// httptest does not wait for hijacked connections; Run must end.
		cancel()
		done := make(chan struct{})
		go func() { handlers.Wait(); close(done) }()
		select {
		case <-done:
			if opts.writers == nil {
				writers.Close()
			}
		case <-time.After(wait):
			t.Error("a connection's Run did not return after shutdown")
		}
	})
	return ts
}

func (ts *testServer) conn(t *testing.T) *netcode.Conn {
	t.Helper()
	select {
	case c := <-ts.conns:
		return c
	case <-time.After(wait):
		t.Fatal("no connection reached Run")
		return nil
	}
}

func (ts *testServer) end(t *testing.T) serverEnd {
	t.Helper()
	select {
	case e := <-ts.ends:
		return e
	case <-time.After(wait):
		t.Fatal("the server's handler did not return")
		return serverEnd{}
	}
}

func dial(t *testing.T, url string, protos ...string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protos})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// join dials with the subprotocol and says hello.
func join(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws := dial(t, url, netcode.Subprotocol)
	hello, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", Room: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	send(t, ws, hello)
	return ws
}

func sendType(t *testing.T, ws *websocket.Conn, typ websocket.MessageType, p []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ws.Write(ctx, typ, p); err != nil {
		t.Fatalf("client write: %v", err)
	}
}

func send(t *testing.T, ws *websocket.Conn, p []byte) {
	t.Helper()
	sendType(t, ws, websocket.MessageBinary, p)
}

// read returns the next message from the server, or the read error.
func read(ws *websocket.Conn) (netcode.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	typ, data, err := ws.Read(ctx)
	if err != nil {
		return netcode.Message{}, err
	}
	if typ != websocket.MessageBinary {
		return netcode.Message{}, errors.New("server sent a text frame")
	}
	return netcode.NewDecoder().Decode(data)
}

func next(t *testing.T, ws *websocket.Conn) netcode.Message {
	t.Helper()
	m, err := read(ws)
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	return m
}

// expectClose reads until the server closes, checks the close code, and
// returns the messages that came before the close and its reason.
func expectClose(t *testing.T, ws *websocket.Conn, code websocket.StatusCode) ([]netcode.Message, string) {
	t.Helper()
	var msgs []netcode.Message
	for {
		m, err := read(ws)
		if err == nil {
			msgs = append(msgs, m)
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("after %d messages: got %v, want close %d (%s)", len(msgs), err, code, netcode.CloseName(code))
		}
		if ce.Code != code {
			t.Fatalf("after %d messages: got close %d %q, want %d (%s)", len(msgs), ce.Code, ce.Reason, code, netcode.CloseName(code))
		}
		return msgs, ce.Reason
	}
}

func expectError(t *testing.T, ws *websocket.Conn, code string) {
	t.Helper()
	m := next(t, ws)
	if m.Type != netcode.MsgError || m.Code != code {
		t.Fatalf("got %s %q %q, want error %q", m.Type, m.Code, m.Text, code)
	}
}

// eventually polls cond until it holds or the test's wait runs out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitpkg.For(t, what, wait, cond)
}

func waitDone(t *testing.T, c *netcode.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(wait):
		t.Fatal("the connection was not closed")
	}
}

func TestConnReliableThenNewestSnapshot(t *testing.T) {
	t.Parallel()
	events := []*netcode.Event{
		{Tick: 7, Kind: "joined", Data: mustMarshal([]any{1, "ada"})},
		{Tick: 7, Kind: "chat", Data: mustMarshal("hi")},
		{Tick: 8, Kind: "death", Data: nil},
		{Tick: 9, Kind: "left", Data: mustMarshal(1)},
	}
	snaps := make([]*netcode.Snapshot, 10)
	for i := range snaps {
		snaps[i] = &netcode.Snapshot{Tick: uint32(10 + i), Payload: mustMarshal(bytes.Repeat([]byte{byte(i)}, 100))}
	}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, h *netcode.Hello) {
		if h.Name != "ada" || h.Room != "r1" {
			t.Errorf("hello: got %+v, want name ada, room r1", h)
		}
		for i, ev := range events {
			if !c.SendEvent(uint32(100+i), ev) {
				t.Errorf("SendEvent %d refused", i)
			}
		}
		for i, s := range snaps {
			c.PublishSnapshot(s, uint32(1000+i))
		}
		st := c.Stats()
		if got, want := st.SnapshotsConflated, uint64(len(snaps)-1); got != want {
			t.Errorf("SnapshotsConflated: got %d, want %d", got, want)
		}
		if got, want := st.ReliableDepth, len(events); got != want {
			t.Errorf("ReliableDepth: got %d, want %d", got, want)
		}
		if tick, pending := c.HeldSnapshot(); tick != 19 || !pending {
			t.Errorf("HeldSnapshot: got %d, %v; want 19, true", tick, pending)
		}
	}})
	ws := join(t, ts.url)
	for i, ev := range events {
		m := next(t, ws)
		if m.Type != netcode.MsgEvent || m.Seq != uint32(100+i) || m.Tick != ev.Tick || m.Kind != ev.Kind || !bytes.Equal(m.Payload, wantRaw(ev.Data)) {
			t.Errorf("message %d: got %s seq %d tick %d kind %q payload % x; want event seq %d tick %d kind %q payload % x",
				i, m.Type, m.Seq, m.Tick, m.Kind, m.Payload, 100+i, ev.Tick, ev.Kind, wantRaw(ev.Data))
		}
	}
	newest := snaps[len(snaps)-1]
	m := next(t, ws)
	if m.Type != netcode.MsgSnapshot || m.Tick != newest.Tick || m.Base != 0 || m.Ack != 1009 || !bytes.Equal(m.Payload, newest.Payload) {
		t.Fatalf("after the events: got %s tick %d base %d ack %d; want snapshot tick %d base %d ack 1009",
			m.Type, m.Tick, m.Base, m.Ack, newest.Tick, 0)
	}

	c := ts.conn(t)
	// A marker is the next thing the client reads: no older snapshot was
	// written after the newest.
	c.SendEvent(200, &netcode.Event{Tick: 20, Kind: "marker"})
	if m := next(t, ws); m.Type != netcode.MsgEvent || m.Kind != "marker" {
		t.Fatalf("got %s %q, want the marker event", m.Type, m.Kind)
	}
	eventually(t, "stats after the marker", func() bool {
		st := c.Stats()
		return st.SnapshotsWritten == 1 && st.ReliableWritten == uint64(len(events)+1) && st.ReliableDepth == 0
	})
	if st := c.Stats(); st.SnapshotsConflated != 9 || st.BytesWritten == 0 {
		t.Errorf("stats: got %+v, want 9 conflated and some bytes written", st)
	}
	if tick, pending := c.HeldSnapshot(); tick != 19 || pending {
		t.Errorf("HeldSnapshot after the write: got %d, %v; want 19, false", tick, pending)
	}
}

// TestConnConflatesWhileRunning publishes faster than the client reads:
// every snapshot is written or conflated, ticks only increase, and the last
// one published is the last one written.
func TestConnConflatesWhileRunning(t *testing.T) {
	t.Parallel()
	const n = 2000
	ts := startServer(t, serverOptions{cfg: quiet()})
	ws := join(t, ts.url)
	c := ts.conn(t)
	go func() {
		for i := range n {
			c.PublishSnapshot(&netcode.Snapshot{Tick: uint32(i + 1), Payload: []byte{0x90}}, uint32(i))
		}
	}()
	var last uint32
	received := 0
	for last != n {
		m := next(t, ws)
		if m.Type != netcode.MsgSnapshot || m.Tick <= last || m.Ack != m.Tick-1 {
			t.Fatalf("after tick %d: got %s tick %d ack %d", last, m.Type, m.Tick, m.Ack)
		}
		last = m.Tick
		received++
	}
	eventually(t, "written + conflated = published", func() bool {
		st := c.Stats()
		return st.SnapshotsWritten == uint64(received) && st.SnapshotsWritten+st.SnapshotsConflated == n
	})
}

func TestConnPingTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: netcode.Config{
		PingInterval: 50 * time.Millisecond, PongTimeout: 300 * time.Millisecond, HelloTimeout: wait,
	}})
	ws := join(t, ts.url) // and never read, so never pong, until the server gives up
	c := ts.conn(t)
	waitDone(t, c)
	if code, _ := c.CloseStatus(); code != netcode.ClosePingTimeout {
		t.Errorf("server close status: got %d, want %d", code, netcode.ClosePingTimeout)
	}
	msgs, _ := expectClose(t, ws, netcode.ClosePingTimeout)
	if len(msgs) == 0 {
		t.Error("got no pings before the close")
	}
	for i, m := range msgs {
		if m.Type != netcode.MsgPing || m.ID != uint32(i+1) || m.Millis <= 0 {
			t.Errorf("message %d: got %s id %d millis %d, want ping %d with the server time", i, m.Type, m.ID, m.Millis, i+1)
		}
	}
	ts.end(t) // Run returned
}

func TestConnHeartbeatKeepsAnsweringClient(t *testing.T) {
	t.Parallel()
	const pongTimeout = time.Second
	ts := startServer(t, serverOptions{welcome: true, cfg: netcode.Config{
		PingInterval: 50 * time.Millisecond, PongTimeout: pongTimeout, HelloTimeout: wait,
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*wait)
	defer cancel()
	cl, err := client.Dial(ctx, ts.url, client.Options{Hello: netcode.Hello{Name: "bo"}})
	if err != nil {
		t.Fatal(err)
	}
	if w := cl.Welcome(); w == nil || w.Room != "r1" {
		t.Fatalf("welcome: got %+v, want room r1", w)
	}
	readErr := make(chan error, 1)
	go func() {
		for { // Next answers pings; nothing else arrives
			if _, err := cl.Next(ctx); err != nil {
				readErr <- err
				return
			}
		}
	}()
	c := ts.conn(t)
	time.Sleep(3 * pongTimeout)
	select {
	case <-c.Done():
		code, reason := c.CloseStatus()
		t.Fatalf("a client that answers pings was closed: %d %q", code, reason)
	case err := <-readErr:
		t.Fatalf("client: %v", err)
	default:
	}
	eventually(t, "RTT measured", func() bool { return c.Stats().RTT > 0 })
	// The default control rate follows the ping interval: pongs every 50 ms
	// are 20/s, over DefaultControlRate, and none may be dropped.
	if st := c.Stats(); st.ControlDropped != 0 || st.PongsApplied == 0 {
		t.Errorf("pongs at one per 50 ms ping: %d applied, %d dropped; want some applied, none dropped", st.PongsApplied, st.ControlDropped)
	}
	if err := cl.Close(); err != nil {
		t.Errorf("client close: %v", err)
	}
	<-readErr
	if end := ts.end(t); end.conn != c {
		t.Error("another connection ended")
	}
	if code, _ := c.CloseStatus(); code != websocket.StatusNormalClosure {
		t.Errorf("server close status: got %d, want %d (closed by client)", code, websocket.StatusNormalClosure)
	}
}

func TestConnFloodClosed(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.InputRate, cfg.InputBurst, cfg.FloodLimit = 1, 3, 10
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := join(t, ts.url)
	c := ts.conn(t)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		for seq := uint32(1); seq <= 1000; seq++ {
			if ws.Write(ctx, websocket.MessageBinary, netcode.AppendInput(nil, seq, nil)) != nil {
				return // closed
			}
		}
	}()
	msgs, reason := expectClose(t, ws, netcode.CloseFlood)
	<-sent
	if len(msgs) == 0 {
		t.Fatal("got no error before the flood close")
	}
	for i, m := range msgs {
		if m.Type != netcode.MsgError || m.Code != netcode.ErrCodeRateLimited {
			t.Errorf("message %d: got %s %q, want error %q", i, m.Type, m.Code, netcode.ErrCodeRateLimited)
		}
	}
	if reason == "" {
		t.Error("flood close without a reason")
	}
	if st := c.Stats(); st.InputsDropped < uint64(cfg.FloodLimit) {
		t.Errorf("InputsDropped: got %d, want at least %d", st.InputsDropped, cfg.FloodLimit)
	}
	// The handler saw the burst, in order, and nothing past the limit.
	handled := len(ts.rec.msgs)
	if handled < cfg.InputBurst || handled > 100 {
		t.Errorf("handler got %d inputs, want the burst of %d and a few refills at most", handled, cfg.InputBurst)
	}
	for i := range handled {
		if m := ts.rec.next(t); m.Type != netcode.MsgInput || m.Seq <= uint32(i) {
			t.Errorf("handled %d: got %s seq %d", i, m.Type, m.Seq)
		}
	}
}

// TestConnSteadyStreamNotDropped sends inputs one at a time at less than
// the rate, each after the previous one reached the handler, so that a
// slow machine only spaces them further: none may be dropped, though the
// stream is ten times the burst.
func TestConnSteadyStreamNotDropped(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.InputRate, cfg.InputBurst, cfg.FloodLimit = 50, 3, 3
	const n = 30
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := join(t, ts.url)
	c := ts.conn(t)
	for seq := uint32(1); seq <= n; seq++ {
		if seq%2 == 0 {
			send(t, ws, netcode.AppendInput(nil, seq, mustMarshal(seq)))
		} else {
			send(t, ws, netcode.AppendChat(nil, "msg")) // chat shares the bucket
		}
		m := ts.rec.next(t)
		if seq%2 == 0 && (m.Type != netcode.MsgInput || m.Seq != seq || !bytes.Equal(m.Payload, mustMarshal(seq))) {
			t.Fatalf("handler: got %s seq %d, want input %d", m.Type, m.Seq, seq)
		}
		if seq%2 == 1 && (m.Type != netcode.MsgChat || m.Text != "msg") {
			t.Fatalf("handler: got %s %q, want chat", m.Type, m.Text)
		}
		time.Sleep(time.Second / 40) // 1.25 tokens at 50/s
	}
	if st := c.Stats(); st.InputsDropped != 0 {
		t.Errorf("InputsDropped: got %d, want 0", st.InputsDropped)
	}
	// No error was queued before this marker.
	c.SendEvent(1, &netcode.Event{Kind: "marker"})
	if m := next(t, ws); m.Type != netcode.MsgEvent || m.Kind != "marker" {
		t.Errorf("got %s %q %q, want the marker event", m.Type, m.Kind, m.Text)
	}
}

func TestConnBadMessages(t *testing.T) {
	t.Parallel()
	input := func(seq uint32) []byte { return netcode.AppendInput(nil, seq, nil) }
	hello, _ := netcode.AppendHello(nil, &netcode.Hello{Name: "again"})
	cases := []struct {
		name    string
		text    bool
		frames  [][]byte // the last one is the bad one
		code    string
		dropped bool // counted as a dropped input rather than a bad message
	}{
		{name: "text frame", text: true, frames: [][]byte{[]byte(`[2,1,null]`)}, code: netcode.ErrCodeBadMessage},
		{name: "not msgpack", frames: [][]byte{{0xc1, 0x00}}, code: netcode.ErrCodeBadMessage},
		{name: "not an array", frames: [][]byte{{0x81, 0x01, 0x02}}, code: netcode.ErrCodeBadMessage},
		{name: "unknown type", frames: [][]byte{{0x91, 0x63}}, code: netcode.ErrCodeUnknownType},
		{name: "snapshot from a client", frames: [][]byte{netcode.AppendSnapshot(nil, 1, 0, 1, nil)}, code: netcode.ErrCodeUnknownType},
		{name: "event from a client", frames: [][]byte{netcode.AppendEvent(nil, 1, 1, "k", nil)}, code: netcode.ErrCodeUnknownType},
		{name: "ping from a client", frames: [][]byte{netcode.AppendPing(nil, 1, 1, 1, 1)}, code: netcode.ErrCodeUnknownType},
		{name: "second hello", frames: [][]byte{hello}, code: netcode.ErrCodeBadMessage},
		{name: "pong to no ping", frames: [][]byte{netcode.AppendPong(nil, 1)}, code: netcode.ErrCodeBadMessage},
		{name: "repeated seq", frames: [][]byte{input(5), input(5)}, code: netcode.ErrCodeBadSeq, dropped: true},
		{name: "decreasing seq", frames: [][]byte{input(5), input(4)}, code: netcode.ErrCodeBadSeq, dropped: true},
		{name: "seq 0", frames: [][]byte{input(0)}, code: netcode.ErrCodeBadSeq, dropped: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{cfg: quiet()})
			ws := join(t, ts.url)
			c := ts.conn(t)
			for _, f := range tc.frames[:len(tc.frames)-1] {
				send(t, ws, f)
				if m := ts.rec.next(t); m.Type != netcode.MsgInput {
					t.Fatalf("handler: got %s, want the good input", m.Type)
				}
			}
			typ := websocket.MessageBinary
			if tc.text {
				typ = websocket.MessageText
			}
			sendType(t, ws, typ, tc.frames[len(tc.frames)-1])
			expectError(t, ws, tc.code)
			st := c.Stats()
			if tc.dropped && (st.InputsDropped != 1 || st.BadMessages != 0) {
				t.Errorf("stats: got %d dropped, %d bad; want 1 dropped, 0 bad", st.InputsDropped, st.BadMessages)
			}
			if !tc.dropped && (st.BadMessages != 1 || st.InputsDropped != 0) {
				t.Errorf("stats: got %d dropped, %d bad; want 0 dropped, 1 bad", st.InputsDropped, st.BadMessages)
			}
			select {
			case m := <-ts.rec.msgs:
				t.Errorf("handler got the bad message: %s", m.Type)
			default:
			}
			select {
			case <-c.Done():
				t.Error("one bad message closed the connection")
			default:
			}
		})
	}
}

func TestConnTooManyBadMessages(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.MaxBadMessages = 3
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := join(t, ts.url)
	for range cfg.MaxBadMessages {
		send(t, ws, []byte{0xc1})
	}
	msgs, _ := expectClose(t, ws, netcode.CloseBadMessage)
	if len(msgs) != cfg.MaxBadMessages {
		t.Errorf("got %d messages before the close, want the %d errors", len(msgs), cfg.MaxBadMessages)
	}
	for i, m := range msgs {
		if m.Type != netcode.MsgError || m.Code != netcode.ErrCodeBadMessage {
			t.Errorf("message %d: got %s %q, want error %q", i, m.Type, m.Code, netcode.ErrCodeBadMessage)
		}
	}
}

func TestConnReadLimit(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.ReadLimit = 256
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := join(t, ts.url)
	c := ts.conn(t)
	atLimit := netcode.AppendInput(nil, 1, mustMarshal(make([]byte, 251)))
	if len(atLimit) != 256 {
		t.Fatalf("test frame: got %d bytes, want 256", len(atLimit))
	}
	send(t, ws, atLimit)
	if m := ts.rec.next(t); m.Type != netcode.MsgInput || len(m.Payload) != 253 {
		t.Fatalf("handler: got %s with %d payload bytes, want the input at the limit", m.Type, len(m.Payload))
	}
	send(t, ws, netcode.AppendInput(nil, 2, mustMarshal(make([]byte, 252))))
	expectClose(t, ws, websocket.StatusMessageTooBig)
	waitDone(t, c)
	if code, _ := c.CloseStatus(); code != websocket.StatusMessageTooBig {
		t.Errorf("server close status: got %d, want %d", code, websocket.StatusMessageTooBig)
	}
}

func TestConnChatAndLeaveReachHandler(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	ws := join(t, ts.url)
	send(t, ws, netcode.AppendChat(nil, "gg"))
	send(t, ws, netcode.AppendLeave(nil))
	if m := ts.rec.next(t); m.Type != netcode.MsgChat || m.Text != "gg" {
		t.Errorf("got %s %q, want chat gg", m.Type, m.Text)
	}
	if m := ts.rec.next(t); m.Type != netcode.MsgLeave {
		t.Errorf("got %s, want leave", m.Type)
	}
}

func TestHelloTimeout(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.HelloTimeout = 100 * time.Millisecond
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := dial(t, ts.url, netcode.Subprotocol) // says nothing
	expectClose(t, ws, netcode.CloseHelloTimeout)
	if end := ts.end(t); !errors.Is(end.helloErr, netcode.ErrHelloTimeout) {
		t.Errorf("ReadHello: got %v, want %v", end.helloErr, netcode.ErrHelloTimeout)
	}
}

func TestBadHello(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		text  bool
		frame []byte
	}{
		{"input first", false, netcode.AppendInput(nil, 1, nil)},
		{"leave first", false, netcode.AppendLeave(nil)},
		{"text frame", true, []byte(`{"name":"ada"}`)},
		{"not msgpack", false, []byte{0xc1}},
		{"hello body not a map", false, cat([]byte{0x92, 0x01}, mustMarshal("ada"))},
		{"unknown type", false, []byte{0x91, 0x63}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{cfg: quiet()})
			ws := dial(t, ts.url, netcode.Subprotocol)
			typ := websocket.MessageBinary
			if tc.text {
				typ = websocket.MessageText
			}
			sendType(t, ws, typ, tc.frame)
			if msgs, _ := expectClose(t, ws, netcode.CloseBadHello); len(msgs) != 0 {
				t.Errorf("got %d messages before the close, want none", len(msgs))
			}
			if end := ts.end(t); end.helloErr == nil || end.hello != nil {
				t.Errorf("ReadHello: got %+v, %v; want an error", end.hello, end.helloErr)
			}
		})
	}
}

func TestSubprotocol(t *testing.T) {
	t.Parallel()
	for _, protos := range [][]string{nil, {"tickroom.v0"}, {"tickroom.v1", "chat"}} {
		t.Run(strings.Join(protos, ",")+"_", func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{cfg: quiet()})
			ws := dial(t, ts.url, protos...)
			_, reason := expectClose(t, ws, netcode.CloseBadVersion)
			if !strings.Contains(reason, netcode.Subprotocol) {
				t.Errorf("close reason %q does not name %s", reason, netcode.Subprotocol)
			}
			if end := ts.end(t); !end.badVersion {
				t.Error("CheckSubprotocol accepted the connection")
			}
		})
	}
	t.Run("clients/go", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, serverOptions{cfg: quiet()})
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_, err := client.Dial(ctx, ts.url, client.Options{Subprotocol: "tickroom.v0"})
		if got := websocket.CloseStatus(err); got != netcode.CloseBadVersion {
			t.Errorf("Dial: got %v (close status %d), want close %d", err, got, netcode.CloseBadVersion)
		}
		ts.end(t)
	})
	t.Run("offered among others", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, serverOptions{cfg: quiet()})
		ws := dial(t, ts.url, "tickroom.v0", netcode.Subprotocol)
		if got := ws.Subprotocol(); got != netcode.Subprotocol {
			t.Fatalf("negotiated %q, want %q", got, netcode.Subprotocol)
		}
		hello, _ := netcode.AppendHello(nil, &netcode.Hello{})
		send(t, ws, hello)
		ts.conn(t)
	})
}

func TestCloseFlush(t *testing.T) {
	t.Parallel()
	const queued = 20
	for _, flush := range []bool{true, false} {
		t.Run(map[bool]string{true: "flush", false: "no flush"}[flush], func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) {
				// Queued, not flushed: only the close decides whether
				// they are written. A snapshot published once the
				// connection is closing is never written.
				for i := range queued {
					c.QueueEvent(uint32(i+1), &netcode.Event{Tick: 1, Kind: "e"})
				}
				c.Close(netcode.CloseKicked, "kicked by test", flush)
				c.Close(netcode.CloseRoomClosed, "second close loses", true)
				c.PublishSnapshot(&netcode.Snapshot{Tick: 1}, 0)
			}})
			ws := join(t, ts.url)
			msgs, reason := expectClose(t, ws, netcode.CloseKicked)
			if reason != "kicked by test" {
				t.Errorf("close reason: got %q, want %q", reason, "kicked by test")
			}
			want := 0
			if flush {
				want = queued
			}
			if len(msgs) != want {
				t.Fatalf("got %d messages before the close, want %d", len(msgs), want)
			}
			for i, m := range msgs {
				if m.Type != netcode.MsgEvent || m.Seq != uint32(i+1) {
					t.Errorf("message %d: got %s seq %d, want event %d", i, m.Type, m.Seq, i+1)
				}
			}
			end := ts.end(t)
			if got := end.conn.Stats().ReliableWritten; got != uint64(want) {
				t.Errorf("ReliableWritten: got %d, want %d", got, want)
			}
		})
	}
}

func TestReliableOverflowClosesTooSlow(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.ReliableQueue = 4
	ts := startServer(t, serverOptions{cfg: cfg, before: func(c *netcode.Conn, _ *netcode.Hello) {
		for i := range cfg.ReliableQueue {
			if !c.SendEvent(uint32(i+1), &netcode.Event{}) {
				t.Errorf("SendEvent %d refused below the limit", i+1)
			}
		}
		if c.SendEvent(99, &netcode.Event{}) {
			t.Error("SendEvent past the limit: accepted, want refused")
		}
		select {
		case <-c.Done():
		default:
			t.Error("overflow did not close the connection")
		}
		if code, _ := c.CloseStatus(); code != netcode.CloseTooSlow {
			t.Errorf("close status: got %d, want %d", code, netcode.CloseTooSlow)
		}
	}})
	ws := join(t, ts.url)
	expectClose(t, ws, netcode.CloseTooSlow)
}

func TestRunReturnsWhenClientLeaves(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		close func(*websocket.Conn) error
		want  websocket.StatusCode
	}{
		{"close handshake", func(ws *websocket.Conn) error { return ws.Close(websocket.StatusGoingAway, "bye") }, websocket.StatusGoingAway},
		{"connection dropped", (*websocket.Conn).CloseNow, websocket.StatusAbnormalClosure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, serverOptions{cfg: quiet()})
			ws := join(t, ts.url)
			c := ts.conn(t)
			if err := tc.close(ws); err != nil {
				t.Fatalf("client close: %v", err)
			}
			ts.end(t) // Run returned, and with it the reader (goleak checks)
			if code, _ := c.CloseStatus(); code != tc.want {
				t.Errorf("server close status: got %d, want %d", code, tc.want)
			}
		})
	}
}

func TestRunShutdownFlushes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	ws := join(t, ts.url)
	c := ts.conn(t)
	c.SendEvent(1, &netcode.Event{Kind: "first"})
	if m := next(t, ws); m.Kind != "first" {
		t.Fatalf("got %s %q, want event first", m.Type, m.Kind)
	}
	// Queue behind a held writer is not possible here, so queue and shut
	// down together: whatever was queued before the close is written.
	c.SendEvent(2, &netcode.Event{Kind: "second"})
	ts.shutdown()
	msgs, _ := expectClose(t, ws, netcode.CloseShuttingDown)
	if len(msgs) != 1 || msgs[0].Kind != "second" {
		t.Errorf("before the close: got %d messages %+v, want event second", len(msgs), msgs)
	}
	ts.end(t)
}

// blockingHandler holds the reader goroutine inside HandleMessage.
type blockingHandler struct {
	entered chan struct{}
	release chan struct{}
}

func (h *blockingHandler) HandleMessage(*netcode.Conn, *netcode.Message) {
	h.entered <- struct{}{}
	<-h.release
}

// TestRunWaitsForReader: Run may return only once its reader goroutine has
// ended, so that no Handler call outlives it. The reader is held inside the
// handler while the connection closes.
func TestRunWaitsForReader(t *testing.T) {
	t.Parallel()
	h := &blockingHandler{entered: make(chan struct{}, 1), release: make(chan struct{})}
	ts := startServer(t, serverOptions{cfg: quiet(), handler: h})
	ws := join(t, ts.url)
	c := ts.conn(t)
	send(t, ws, netcode.AppendChat(nil, "hold the reader"))
	select {
	case <-h.entered:
	case <-time.After(wait):
		t.Fatal("the handler was not called")
	}
	c.Close(netcode.CloseKicked, "bye", false)
	expectClose(t, ws, netcode.CloseKicked) // the writer is done
	select {
	case <-ts.ends:
		t.Fatal("Run returned while its reader was still inside the handler")
	case <-time.After(200 * time.Millisecond):
	}
	close(h.release)
	ts.end(t)
}

// TestHelloNesting4080ArraysIn4KBClosedBadHello: a hello whose arrays nest
// deeper than MaxDepth (16) is refused before the msgpack library recurses
// into it: the connection is closed with CloseBadHello.
func TestHelloNesting4080ArraysIn4KBClosedBadHello(t *testing.T) {
	t.Parallel()
	for name, frame := range map[string][]byte{
		"in a field":  cat([]byte{0x92, 0x01, 0x81, 0xa1, 'x'}, nest(4080, []byte{0xc0})),
		"as the body": cat([]byte{0x92, 0x01}, nest(4080, []byte{0xc0})),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if len(frame) > netcode.DefaultReadLimit {
				t.Fatalf("test frame: %d bytes, want at most the read limit of %d", len(frame), netcode.DefaultReadLimit)
			}
			ts := startServer(t, serverOptions{cfg: quiet()})
			ws := dial(t, ts.url, netcode.Subprotocol)
			send(t, ws, frame)
			if msgs, _ := expectClose(t, ws, netcode.CloseBadHello); len(msgs) != 0 {
				t.Errorf("got %d messages before the close, want none", len(msgs))
			}
			end := ts.end(t)
			if end.hello != nil {
				t.Errorf("ReadHello: got %+v, want no hello", end.hello)
			}
			if err := wantTooDeep(end.helloErr); err != nil {
				t.Errorf("ReadHello: %v", err)
			}
		})
	}
}

// TestInputNested4000DeepIsBadMessage: an input whose payload nests deeper
// than MaxDepth (16) gets a bad_message error and never reaches the
// handler; the connection goes on.
func TestInputNested4000DeepIsBadMessage(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	ws := join(t, ts.url)
	c := ts.conn(t)
	send(t, ws, netcode.AppendInput(nil, 1, nest(4000, []byte{0xc0})))
	m := next(t, ws)
	if m.Type != netcode.MsgError || m.Code != netcode.ErrCodeBadMessage || !strings.Contains(m.Text, "nested deeper than 16") {
		t.Fatalf("got %s %q %q, want error %q saying nested deeper than 16", m.Type, m.Code, m.Text, netcode.ErrCodeBadMessage)
	}
	// Seq 1 again: the deep input did not count as the last one either.
	send(t, ws, netcode.AppendInput(nil, 1, nest(15, []byte{0xc0})))
	if m := ts.rec.next(t); m.Type != netcode.MsgInput || m.Seq != 1 || !bytes.Equal(m.Payload, nest(15, []byte{0xc0})) {
		t.Fatalf("handler: got %s seq %d payload % x, want the input of seq 1 nested 15 deep", m.Type, m.Seq, head(m.Payload))
	}
	if st := c.Stats(); st.BadMessages != 1 || st.InputsDropped != 0 {
		t.Errorf("stats: got %d bad, %d dropped; want 1 bad, 0 dropped", st.BadMessages, st.InputsDropped)
	}
}

func TestConfigValidateControlRate(t *testing.T) {
	t.Parallel()
	short := netcode.Config{PingInterval: 50 * time.Millisecond, PongTimeout: time.Second}
	tooLow := short
	tooLow.ControlRate = netcode.DefaultControlRate // 4/s, pongs come at 20/s
	for _, tc := range []struct {
		name string
		cfg  netcode.Config
		ok   bool
	}{
		{"defaults", netcode.Config{}, true},
		{"50 ms pings, default control rate", short, true},
		{"50 ms pings, control rate 4/s", tooLow, false},
		{"2 s pings, control rate 0.5/s", netcode.Config{ControlRate: 0.5}, true},
		{"2 s pings, control rate 0.4/s", netcode.Config{ControlRate: 0.4}, false},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestConnControlFloodClosedAfterBurst16AndFlood120 sends 30,000 valid
// pongs (or leaves) as fast as the client can: the control bucket lets
// ControlBurst (16) through, and FloodLimit (120) drops in a row close the
// connection with CloseFlood. Refills during the flood (2/s) may let a few
// more through, each of which starts a new streak; nothing asserts time.
func TestConnControlFloodClosedAfterBurst16AndFlood120(t *testing.T) {
	t.Parallel()
	const sends = 30_000
	for _, kind := range []netcode.MsgType{netcode.MsgPong, netcode.MsgLeave} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			cfg := netcode.Config{PingInterval: 500 * time.Millisecond, PongTimeout: wait, HelloTimeout: wait, ControlRate: 2}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			burst, flood := netcode.DefaultControlBurst, netcode.DefaultFloodLimit
			ts := startServer(t, serverOptions{cfg: cfg})
			ws := join(t, ts.url)
			ping := next(t, ws)
			if ping.Type != netcode.MsgPing {
				t.Fatalf("got %s, want the first ping", ping.Type)
			}
			frame := netcode.AppendPong(nil, ping.ID) // answers a ping: valid
			if kind == netcode.MsgLeave {
				frame = netcode.AppendLeave(nil)
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				for range sends {
					if ws.Write(ctx, websocket.MessageBinary, frame) != nil {
						return // closed
					}
				}
			}()
			msgs, _ := expectClose(t, ws, netcode.CloseFlood)
			end := ts.end(t) // the reader has ended: the counts are final
			limited := 0
			for i, m := range msgs {
				switch {
				case m.Type == netcode.MsgError && m.Code == netcode.ErrCodeRateLimited:
					limited++
				case m.Type != netcode.MsgPing:
					t.Errorf("message %d: got %s %q %q, want pings and %q errors", i, m.Type, m.Code, m.Text, netcode.ErrCodeRateLimited)
				}
			}
			if limited == 0 {
				t.Errorf("got no %q error before the flood close", netcode.ErrCodeRateLimited)
			}
			st := end.conn.Stats()
			t.Logf("stats after the flood close: %+v", st)
			passed := uint64(len(ts.rec.msgs)) // leaves reach the handler
			if kind == netcode.MsgPong {
				passed = st.PongsApplied
				if n := len(ts.rec.msgs); n != 0 {
					t.Errorf("handler got %d messages, want none: pongs are netcode's", n)
				}
			}
			if passed < uint64(burst) || passed > uint64(burst)+4 {
				t.Errorf("%ss passed: got %d, want the burst of %d and a refill or two", kind, passed, burst)
			}
			// Each refill that passes starts a new streak of drops; the
			// last streak is the flood.
			refills := passed - uint64(burst)
			if maxDropped := refills*uint64(flood-1) + uint64(flood); st.ControlDropped < uint64(flood) || st.ControlDropped > maxDropped {
				t.Errorf("ControlDropped: got %d, want between the flood limit of %d and %d", st.ControlDropped, flood, maxDropped)
			}
			if total := passed + st.ControlDropped; total >= sends {
				t.Errorf("the server read %d of the %d %ss, want it closed after about %d", total, sends, kind, burst+flood)
			}
			if st.BadMessages != 0 {
				t.Errorf("BadMessages: got %d, want 0 (valid messages)", st.BadMessages)
			}
		})
	}
}

// closeOnFirst closes its connection on the first message it handles, as a
// lobby does on leave, and counts what it is handed.
type closeOnFirst struct{ calls atomic.Int32 }

func (h *closeOnFirst) HandleMessage(c *netcode.Conn, _ *netcode.Message) {
	h.calls.Add(1)
	c.Close(netcode.CloseKicked, "kicked on the first message", true)
}

// TestConnHandlesNothingOnceClosing: after a close, even one that flushes,
// the reader hands the client's messages to no one, though they were
// already on the wire.
func TestConnHandlesNothingOnceClosing(t *testing.T) {
	t.Parallel()
	h := &closeOnFirst{}
	ts := startServer(t, serverOptions{cfg: quiet(), handler: h})
	ws := join(t, ts.url)
	for range 10 {
		send(t, ws, netcode.AppendChat(nil, "hi"))
	}
	expectClose(t, ws, netcode.CloseKicked)
	ts.end(t)
	if got := h.calls.Load(); got != 1 {
		t.Errorf("handler called %d times, want once: nothing after the close", got)
	}
}

// rawUpgrade opens a TCP connection and upgrades it to a WebSocket by
// hand, so that a test can play a client that never answers a close
// frame (the library's client always does).
func rawUpgrade(t *testing.T, url string) (net.Conn, *bufio.Reader) {
	t.Helper()
	addr := strings.TrimPrefix(url, "ws://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n", addr, netcode.Subprotocol)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	return conn, br
}

// TestOversizedHelloEndsTheConnection: a hello over the read limit gets
// its 1009 close frame, and the server closes the TCP connection even
// when the client never answers the close frame.
func TestOversizedHelloEndsTheConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	conn, br := rawUpgrade(t, ts.url)
	payload := bytes.Repeat([]byte{0xc0}, netcode.DefaultReadLimit+100)
	frame := []byte{0x82, 0xfe, byte(len(payload) >> 8), byte(len(payload)), 0, 0, 0, 0} // masked with a zero key
	if _, err := conn.Write(append(frame, payload...)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	head := make([]byte, 4)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatalf("reading the close frame: %v", err)
	}
	if code := int(head[2])<<8 | int(head[3]); head[0] != 0x88 || code != int(websocket.StatusMessageTooBig) {
		t.Fatalf("first frame % x, want a close frame with 1009", head)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("the server kept the connection open: %v", err)
	}
	ts.end(t)
}

// publishFlat publishes snapshots to c as fast as the writer takes them,
// until the returned function is called, which waits for the publisher.
func publishFlat(c *netcode.Conn) (stop func()) {
	done := make(chan struct{})
	published := make(chan struct{})
	go func() {
		defer close(published)
		for tick := uint32(1); ; tick++ {
			select {
			case <-done:
				return
			default:
			}
			c.PublishSnapshot(&netcode.Snapshot{Tick: tick, Payload: []byte{0x90}}, 0)
			runtime.Gosched()
		}
	}()
	return func() {
		close(done)
		<-published
	}
}

// TestClientCloseDuringWritesKeepsItsCode: a client that closes normally
// while the server writes to it is recorded with its own code. The library
// closes the socket once it has answered the client's close frame, and a
// write that finds it closed must not record 1006 first (which held the
// seat of a player who had left, in one close of about 16 under load).
func TestClientCloseDuringWritesKeepsItsCode(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	for i := range 30 {
		ws := join(t, ts.url)
		c := ts.conn(t)
		stopPublishing := publishFlat(c)
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		go func() {
			for {
				if _, _, err := ws.Read(ctx); err != nil {
					return
				}
			}
		}()
		time.Sleep(time.Duration(i%5) * time.Millisecond)
		err := ws.Close(websocket.StatusNormalClosure, "")
		cancel()
		ts.end(t)
		stopPublishing()
		if err != nil && websocket.CloseStatus(err) == -1 {
			t.Logf("client close %d: %v", i, err)
		}
		if code, reason := c.CloseStatus(); code != websocket.StatusNormalClosure {
			t.Fatalf("close %d: server recorded %d %q, want 1000 (the client's)", i, code, reason)
		}
	}
}

// TestNoDataFrameAfterTheCloseFrame: once the library has answered a
// client's close frame, netcode writes no more data frames (RFC 6455
// §5.5.1), however hard the room publishes. A write that went out after
// the reply could also find the socket reset by a client that had seen
// the reply and gone, and record 1006 for a client that closed with 1000.
func TestNoDataFrameAfterTheCloseFrame(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	hello, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", Room: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		conn, br := rawUpgrade(t, ts.url)
		// Client frames are masked; a zero key leaves the payload as it is.
		if _, err := conn.Write(append([]byte{0x82, 0x80 | byte(len(hello)), 0, 0, 0, 0}, hello...)); err != nil {
			t.Fatal(err)
		}
		c := ts.conn(t)
		stopPublishing := publishFlat(c)
		conn.SetReadDeadline(time.Now().Add(wait))
		if op, _, err := readServerFrame(br); err != nil || op != 0x2 {
			t.Fatalf("first frame: opcode %#x, %v; want a data frame", op, err)
		}
		if _, err := conn.Write([]byte{0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}); err != nil { // 1000
			t.Fatal(err)
		}
		sawClose := false
		for {
			op, payload, err := readServerFrame(br)
			if err != nil {
				break // the server closed the connection after its reply
			}
			if sawClose {
				t.Fatalf("round %d: a frame of opcode %#x (%d bytes) after the close frame", i, op, len(payload))
			}
			sawClose = op == 0x8
		}
		if !sawClose {
			t.Fatalf("round %d: the server never answered the close frame", i)
		}
		conn.Close()
		ts.end(t)
		stopPublishing()
		if code, reason := c.CloseStatus(); code != websocket.StatusNormalClosure {
			t.Fatalf("round %d: server recorded %d %q, want 1000 (the client's)", i, code, reason)
		}
	}
}

// readServerFrame reads one unmasked server frame.
func readServerFrame(br *bufio.Reader) (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(br, payload)
	return h[0] & 0x0f, payload, err
}
