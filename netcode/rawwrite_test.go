package netcode_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// The write path frames server messages itself and writes them to the
// hijacked connection (netcode/rawconn.go). These tests hold it to what a
// standard client reads and to what it assumes of coder/websocket.

// pinnedWebsocket is the coder/websocket version whose write behaviour
// rawconn.go relies on: that it writes its control and close frames
// whole, each in one Write through the buffered writer netcode gives it.
// TestLibraryWritesWholeFrames checks that; update this pin only after it
// passes on the new version.
const pinnedWebsocket = "v1.8.15"

func TestCoderWebsocketVersionPinned(t *testing.T) {
	// Test binaries carry no module versions in their build info: read the
	// requirement from go.mod.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "github.com/coder/websocket " + pinnedWebsocket
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/coder/websocket" {
			if strings.Join(f[:2], " ") != want {
				t.Fatalf("go.mod requires %s %s; netcode's raw writes were checked against %s: "+
					"run TestLibraryWritesWholeFrames and read rawconn.go against the new version, then update pinnedWebsocket", f[0], f[1], pinnedWebsocket)
			}
			return
		}
	}
	t.Fatal("go.mod does not require github.com/coder/websocket")
}

// frameLens parses p as whole server frames and returns their opcodes, or
// an error if p ends inside one.
func frameLens(p []byte) ([]byte, error) {
	var ops []byte
	for len(p) > 0 {
		if len(p) < 2 {
			return ops, fmt.Errorf("%d bytes left: half a header", len(p))
		}
		op, n, h := p[0]&0x0f, int(p[1]&0x7f), 2
		if p[1]&0x80 != 0 {
			return ops, fmt.Errorf("masked server frame")
		}
		switch n {
		case 126:
			if len(p) < 4 {
				return ops, fmt.Errorf("short 16-bit length")
			}
			n, h = int(binary.BigEndian.Uint16(p[2:])), 4
		case 127:
			if len(p) < 10 {
				return ops, fmt.Errorf("short 64-bit length")
			}
			n, h = int(binary.BigEndian.Uint64(p[2:])), 10
		}
		if len(p) < h+n {
			return ops, fmt.Errorf("frame of %d bytes cut at %d", h+n, len(p))
		}
		ops = append(ops, op)
		p = p[h+n:]
	}
	return ops, nil
}

func TestFrameEncodingsAgree(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 125, 126, 127, 1000, 65535, 65536, 70000} {
		p := bytes.Repeat([]byte{byte(n)}, n)
		a := netcode.AppendFrame([]byte("x"), p)
		b := netcode.AppendFramed([]byte("x"), p)
		if !bytes.Equal(a, b) {
			t.Fatalf("payload of %d bytes: appendFrame and beginFrame/endFrame differ", n)
		}
		if ops, err := frameLens(a[1:]); err != nil || len(ops) != 1 || ops[0] != 2 {
			t.Fatalf("payload of %d bytes: frames %v, %v; want one binary frame", n, ops, err)
		}
	}
}

// rawServer serves one netcode connection per client with the given
// writers and config, calling ready with each socket and conn before Run.
func rawServer(t testing.TB, w *netcode.Writers, cfg netcode.Config, ready func(*netcode.Socket, *netcode.Conn)) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var handlers sync.WaitGroup
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		sock, err := netcode.Accept(rw, r, &websocket.AcceptOptions{Subprotocols: []string{netcode.Subprotocol}})
		if err != nil {
			return
		}
		c := netcode.NewConn(sock, cfg, w)
		if ready != nil {
			ready(sock, c)
		}
		c.Run(ctx, nopHandler{})
	}))
	t.Cleanup(func() {
		cancel()
		hs.Close()
		handlers.Wait()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// FuzzFrames: whatever the length of a message, a coder/websocket client
// reads back exactly what netcode framed, through either of the writer's
// two framings (a prepared frame: errors; a message encoded in place:
// events).
func FuzzFrames(f *testing.F) {
	for _, n := range []int{0, 5, 120, 125, 126, 200, 65535, 65536} {
		f.Add(strings.Repeat("a", n), n%2 == 0)
	}
	w := netcode.NewWriters(1)
	defer w.Close()
	conns := make(chan *netcode.Conn, 1)
	url := rawServer(f, w, quiet(), func(_ *netcode.Socket, c *netcode.Conn) { conns <- c })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{netcode.Subprotocol}})
	if err != nil {
		f.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 24)
	conn := <-conns
	var seq uint32
	f.Fuzz(func(t *testing.T, text string, inPlace bool) {
		if inPlace {
			seq++
			conn.SendEvent(seq, &netcode.Event{Tick: 1, Kind: text})
		} else {
			conn.SendError("x", text, 0)
		}
		m := next(t, ws)
		got := m.Text
		if inPlace {
			got = m.Kind
		}
		if got != text {
			t.Fatalf("sent %d bytes, read %s of %d bytes", len(text), m.Type, len(got))
		}
	})
}

// TestLibraryWritesWholeFrames checks what rawconn.go assumes of
// coder/websocket: each Write it makes on the connection is whole frames,
// so the frame lock (one Write, one lock) never lets netcode's frames and
// the library's interleave. It makes the library write while netcode
// writes hard: pongs for the client's pings, then the close frame.
func TestLibraryWritesWholeFrames(t *testing.T) {
	t.Parallel()
	w := netcode.NewWriters(1)
	defer w.Close()
	var mu sync.Mutex
	var writes [][]byte
	conns := make(chan *netcode.Conn, 1)
	url := rawServer(t, w, quiet(), func(s *netcode.Socket, c *netcode.Conn) {
		s.ObserveLibraryWrites(func(p []byte) {
			mu.Lock()
			writes = append(writes, bytes.Clone(p))
			mu.Unlock()
		})
		conns <- c
	})
	ws := dial(t, url, netcode.Subprotocol)
	c := <-conns
	stop := make(chan struct{})
	published := make(chan struct{})
	payload := append([]byte{0xc5, 0x10, 0x00}, make([]byte, 4096)...)
	go func() {
		defer close(published)
		for i := uint32(1); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			c.PublishSnapshot(&netcode.Snapshot{Tick: i, ID: uint64(i), Payload: payload}, 0)
			time.Sleep(100 * time.Microsecond)
		}
	}()
	// The client must read for its pings to be answered.
	readErr := make(chan error, 1)
	pinging, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				readErr <- err
				return
			}
		}
	}()
	for range 20 {
		ctx, c2 := context.WithTimeout(pinging, wait)
		if err := ws.Ping(ctx); err != nil {
			c2()
			t.Fatalf("client ping during heavy writing: %v", err)
		}
		c2()
	}
	cancel()
	close(stop)
	<-published
	c.Close(netcode.CloseKicked, "done", false)
	if err := <-readErr; websocket.CloseStatus(err) != netcode.CloseKicked {
		t.Fatalf("client read ended with %v, want close %d", err, netcode.CloseKicked)
	}
	mu.Lock()
	defer mu.Unlock()
	pongs, closes := 0, 0
	for i, p := range writes {
		ops, err := frameLens(p)
		if err != nil {
			t.Fatalf("library write %d (% x): %v", i, p, err)
		}
		for _, op := range ops {
			switch op {
			case 0xa:
				pongs++
			case 0x8:
				closes++
			default:
				t.Errorf("library write %d holds a frame of opcode %#x: netcode writes every data frame", i, op)
			}
		}
	}
	if pongs != 20 || closes != 1 {
		t.Fatalf("the library wrote %d pongs and %d close frames, want 20 and 1", pongs, closes)
	}
}

// TestOrderUnderLoad: with events, snapshots and pings all due at once,
// event seqs arrive without a gap, snapshot ticks only increase, and every
// event queued before a snapshot arrives before it.
func TestOrderUnderLoad(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.PingInterval, cfg.PongTimeout = 5*time.Millisecond, wait
	cfg.ReliableQueue = 1 << 16
	cfg.ControlRate = 1000
	w := netcode.NewWriters(1)
	defer w.Close()
	conns := make(chan *netcode.Conn, 1)
	url := rawServer(t, w, cfg, func(_ *netcode.Socket, c *netcode.Conn) { conns <- c })
	ws := dial(t, url, netcode.Subprotocol)
	c := <-conns
	const n = 3000
	go func() {
		for i := uint32(1); i <= n; i++ {
			c.QueueEvent(i, &netcode.Event{Tick: i, Kind: "e"})
			c.PublishSnapshot(&netcode.Snapshot{Tick: i, ID: uint64(i), Payload: []byte{0xc0}}, 0)
			if i%10 == 0 {
				time.Sleep(200 * time.Microsecond) // let writes interleave
			}
		}
	}()
	var lastEv, lastSnap uint32
	pings := 0
	for lastSnap < n {
		m := next(t, ws)
		switch m.Type {
		case netcode.MsgEvent:
			if m.Seq != lastEv+1 {
				t.Fatalf("event %d after %d", m.Seq, lastEv)
			}
			lastEv = m.Seq
		case netcode.MsgSnapshot:
			if m.Tick <= lastSnap || lastEv < m.Tick {
				t.Fatalf("snapshot %d after snapshot %d and event %d: want ticks increasing, after their events", m.Tick, lastSnap, lastEv)
			}
			lastSnap = m.Tick
		case netcode.MsgPing:
			pings++
			send(t, ws, netcode.AppendPong(nil, m.ID))
		}
	}
	if st := c.Stats(); st.Writes >= st.ReliableWritten+st.SnapshotsWritten {
		t.Errorf("%d writes for %d reliable messages and %d snapshots: want messages coalesced", st.Writes, st.ReliableWritten, st.SnapshotsWritten)
	}
	t.Logf("%d pings, stats %+v", pings, c.Stats())
}

// TestStuckClientNeitherDelaysOthersNorStaysForever: a client that stops
// reading fills its socket (a small send buffer) and moves to the slow
// path, where its snapshots are conflated, while a healthy client on the
// same single writer shard keeps receiving; at the write timeout the stuck
// one is closed as too slow.
func TestStuckClientNeitherDelaysOthersNorStaysForever(t *testing.T) {
	t.Parallel()
	w := netcode.NewWriters(1)
	defer w.Close()
	cfg := quiet()
	cfg.WriteTimeout = 2 * time.Second
	ts := startServer(t, serverOptions{cfg: cfg, writers: w, sendBuf: 8 << 10})
	stuckWS := join(t, ts.url)
	stuck := ts.conn(t)
	healthyWS := join(t, ts.url)
	healthy := ts.conn(t)
	payload := append([]byte{0xc5, 0x20, 0x00}, make([]byte, 8192)...)
	var tick atomic.Uint32
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			i := tick.Add(1)
			s := &netcode.Snapshot{Tick: i, ID: uint64(i), Payload: payload}
			stuck.PublishSnapshot(s, 0)
			healthy.PublishSnapshot(s, 0)
		}
	}()
	defer func() { close(stop); <-done }()
	// The stuck client never reads. The healthy one reads 100 snapshots
	// while the stuck one is behind but not yet timed out.
	for got := 0; got < 100; {
		if m := next(t, healthyWS); m.Type == netcode.MsgSnapshot {
			got++
		}
	}
	st := stuck.Stats()
	if code, _ := stuck.CloseStatus(); code != 0 {
		t.Fatalf("stuck client closed (%d) before its write timeout", code)
	}
	if st.SlowPaths < 1 || st.SnapshotsConflated < 1 {
		t.Fatalf("stuck client stats %+v: want it on the slow path with snapshots conflated", st)
	}
	// Then the write timeout closes it; the healthy one carries on.
	waitDone(t, stuck)
	if code, reason := stuck.CloseStatus(); code != netcode.CloseTooSlow {
		t.Fatalf("stuck client closed with %d %q, want %d", code, reason, netcode.CloseTooSlow)
	}
	for got := 0; got < 20; {
		if m := next(t, healthyWS); m.Type == netcode.MsgSnapshot {
			got++
		}
	}
	if code, _ := healthy.CloseStatus(); code != 0 {
		t.Fatalf("healthy client closed with %d", code)
	}
	stuckWS.CloseNow()
}

// TestHelloSentWithTheHandshake: a client may send its hello in the same
// packet as the upgrade request; net/http has then read it already, and
// the socket must still hand it over.
func TestHelloSentWithTheHandshake(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{cfg: quiet()})
	hello, err := netcode.AppendHello(nil, &netcode.Hello{Name: "early"})
	if err != nil {
		t.Fatal(err)
	}
	// A client frame is masked; a zero key leaves the payload as it is.
	frame := append([]byte{0x82, 0x80 | byte(len(hello)), 0, 0, 0, 0}, hello...)
	host := strings.TrimPrefix(ts.url, "ws://")
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + netcode.Subprotocol + "\r\n\r\n"
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	ts.conn(t) // Run starts only after the hello was read
}
