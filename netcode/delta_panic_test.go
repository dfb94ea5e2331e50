package netcode_test

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// TestDeltaFuncPanicSendsFullSnapshots: a game's delta function that
// panics on a writer goroutine must not end the process. Each panic is
// counted once per (snapshot, base), the snapshot goes full to every
// connection with that base, and the connections carry on.
func TestDeltaFuncPanicSendsFullSnapshots(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	deltas := &netcode.DeltaPolicy{Func: func([]byte, []byte, []byte) ([]byte, error) {
		calls.Add(1)
		panic("game bug")
	}, MaxAge: 8}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) { c.SetDeltas(true) }})
	const clients, snaps = 2, 5
	var wss []*websocket.Conn
	var conns []*netcode.Conn
	for range clients {
		wss = append(wss, join(t, ts.url))
		conns = append(conns, ts.conn(t))
	}
	for i := range snaps {
		s := &netcode.Snapshot{Tick: uint32(i + 1), ID: uint64(i + 1), Payload: payload(100, 7, byte(i)), Policy: deltas}
		for _, c := range conns {
			c.PublishSnapshot(s, 0)
		}
		for j, ws := range wss {
			m := next(t, ws)
			if m.Type != netcode.MsgSnapshot || m.Tick != s.Tick || m.Base != 0 || !bytes.Equal(m.Payload, s.Payload) {
				t.Fatalf("client %d, tick %d: got %s tick %d base %d, want the full snapshot", j, s.Tick, m.Type, m.Tick, m.Base)
			}
		}
	}
	// The first snapshot has no base; each later one is tried once, for
	// both clients.
	if got, want := deltas.Panics(), uint64(snaps-1); got != want {
		t.Errorf("Panics: got %d, want %d", got, want)
	}
	if got, want := calls.Load(), int32(snaps-1); got != want {
		t.Errorf("delta function called %d times, want %d: a failure is cached for the base", got, want)
	}
	for j, c := range conns {
		c.SendEvent(1, &netcode.Event{Kind: "marker"})
		if m := next(t, wss[j]); m.Type != netcode.MsgEvent || m.Kind != "marker" {
			t.Errorf("client %d: got %s %q, want the marker event", j, m.Type, m.Kind)
		}
		select {
		case <-c.Done():
			code, reason := c.CloseStatus()
			t.Errorf("client %d closed after the panics: %d %q", j, code, reason)
		default:
		}
		if st := c.Stats(); st.SnapshotsWritten != snaps || st.DeltasWritten != 0 {
			t.Errorf("client %d: %d snapshots, %d deltas written; want %d, 0", j, st.SnapshotsWritten, st.DeltasWritten, snaps)
		}
	}
}

// TestDeltaFuncPanicOnce: after a panic on one snapshot, the next ones are
// deltas again, the one that failed being their base.
func TestDeltaFuncPanicOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	xor := xorDelta(&calls)
	deltas := &netcode.DeltaPolicy{Func: func(dst, base, cur []byte) ([]byte, error) {
		if cur[2] == 3 {
			panic("game bug on tick 3")
		}
		return xor(dst, base, cur)
	}, MaxAge: 8}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) { c.SetDeltas(true) }})
	ws := join(t, ts.url)
	c := ts.conn(t)
	for _, tc := range []struct{ tick, wantBase uint32 }{{1, 0}, {2, 1}, {3, 0}, {4, 3}, {5, 4}} {
		c.PublishSnapshot(&netcode.Snapshot{Tick: tc.tick, ID: uint64(tc.tick), Payload: payload(100, 7, byte(tc.tick)), Policy: deltas}, 0)
		if m := next(t, ws); m.Tick != tc.tick || m.Base != tc.wantBase {
			t.Fatalf("tick %d: base %d, want %d", m.Tick, m.Base, tc.wantBase)
		}
	}
	if got := deltas.Panics(); got != 1 {
		t.Errorf("Panics: got %d, want 1", got)
	}
}
