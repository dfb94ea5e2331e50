package netcode_test

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// xorDelta is a toy delta: a msgpack bin of the bytes that differ from the
// base, as (index, value) pairs, which is small when little changed.
func xorDelta(calls *atomic.Int32) netcode.DeltaFunc {
	return func(dst, base, cur []byte) ([]byte, error) {
		calls.Add(1)
		if len(base) != len(cur) {
			return dst, errors.New("sizes differ")
		}
		var pairs []byte
		for i := range cur {
			if cur[i] != base[i] {
				pairs = append(pairs, byte(i), cur[i])
			}
		}
		return append(append(dst, 0xc4, byte(len(pairs))), pairs...), nil
	}
}

// payload is a msgpack bin of n bytes, all v except byte 0 which is tag.
func payload(n int, v, tag byte) []byte {
	b := append([]byte{0xc4, byte(n)}, bytes.Repeat([]byte{v}, n)...)
	b[2] = tag
	return b
}

// TestConnWritesDeltasAgainstLastWritten publishes snapshots one at a
// time and checks what the writer chose: full first, then deltas against
// the last snapshot written, full again once the base is older than the
// history, and full when the delta is not smaller.
func TestConnWritesDeltasAgainstLastWritten(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	deltas := &netcode.DeltaPolicy{Func: xorDelta(&calls), MaxAge: 2}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) { c.SetDeltas(true) }})
	ws := join(t, ts.url)
	c := ts.conn(t)
	snap := func(id uint64, tick uint32, p []byte) *netcode.Snapshot {
		return &netcode.Snapshot{Tick: tick, ID: id, Payload: p, Policy: deltas}
	}
	for i, tc := range []struct {
		snap     *netcode.Snapshot
		wantBase uint32
	}{
		{snap(1, 1, payload(100, 7, 1)), 0},   // the first is full
		{snap(2, 2, payload(100, 7, 2)), 1},   // one byte changed: a delta
		{snap(3, 3, payload(100, 7, 3)), 2},   // against the last written
		{snap(4, 6, payload(100, 7, 6)), 0},   // base 3 ticks old, history 2: full
		{snap(5, 7, payload(100, 8, 7)), 0},   // everything changed: the delta is bigger
		{snap(6, 8, payload(100, 8, 8)), 7},   // deltas again
		{snap(7, 9, payload(50, 8, 9)), 0},    // the game could not take it: full
		{snap(8, 10, payload(50, 8, 10)), 9},  // and back
		{snap(9, 11, payload(50, 8, 11)), 10}, //
	} {
		c.PublishSnapshot(tc.snap, 0)
		m := next(t, ws)
		if m.Tick != tc.snap.Tick || m.Base != tc.wantBase {
			t.Fatalf("step %d: tick %d base %d, want tick %d base %d", i, m.Tick, m.Base, tc.snap.Tick, tc.wantBase)
		}
		if m.Base == 0 && !bytes.Equal(m.Payload, tc.snap.Payload) {
			t.Fatalf("step %d: full snapshot payload differs", i)
		}
		if m.Base != 0 && len(m.Payload) != 4 {
			t.Fatalf("step %d: delta of %d bytes, want the 4 of one changed byte", i, len(m.Payload))
		}
	}
	if st := c.Stats(); st.DeltasWritten != 5 {
		t.Errorf("DeltasWritten %d, want 5", st.DeltasWritten)
	}
}

// TestConnWithoutDeltasWritesFull: a client that did not ask gets full
// snapshots even when the room could send deltas.
func TestConnWithoutDeltasWritesFull(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	deltas := &netcode.DeltaPolicy{Func: xorDelta(&calls), MaxAge: 8}
	ts := startServer(t, serverOptions{cfg: quiet()})
	ws := join(t, ts.url)
	c := ts.conn(t)
	for i := range 5 {
		c.PublishSnapshot(&netcode.Snapshot{Tick: uint32(i + 1), ID: uint64(i + 1), Payload: payload(100, 7, byte(i)), Policy: deltas}, 0)
		if m := next(t, ws); m.Base != 0 {
			t.Fatalf("tick %d: base %d, want full snapshots only", m.Tick, m.Base)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("delta function called %d times for a client without deltas", calls.Load())
	}
}

// TestDeltaSharedByClientsWithTheSameBase: one delta computation serves
// every connection whose last written snapshot is the same.
func TestDeltaSharedByClientsWithTheSameBase(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	deltas := &netcode.DeltaPolicy{Func: xorDelta(&calls), MaxAge: 8}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) { c.SetDeltas(true) }})
	const clients = 5
	type netcodeClient struct {
		ws *websocket.Conn
		c  *netcode.Conn
	}
	var wss []*netcodeClient
	for range clients {
		ws := join(t, ts.url)
		wss = append(wss, &netcodeClient{ws: ws, c: ts.conn(t)})
	}
	s1 := &netcode.Snapshot{Tick: 1, ID: 1, Payload: payload(100, 7, 1), Policy: deltas}
	s2 := &netcode.Snapshot{Tick: 2, ID: 2, Payload: payload(100, 7, 2), Policy: deltas}
	for _, s := range []*netcode.Snapshot{s1, s2} {
		for _, x := range wss {
			x.c.PublishSnapshot(s, 0)
		}
		for _, x := range wss {
			next(t, x.ws)
		}
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("delta computed %d times for %d clients with one base, want once", got, clients)
	}
}

// TestPreparedDeltaIsTheOneWritten: a delta prepared before publishing is
// what the writer sends, and it is not taken a second time.
func TestPreparedDeltaIsTheOneWritten(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	deltas := &netcode.DeltaPolicy{Func: xorDelta(&calls), MaxAge: 8}
	ts := startServer(t, serverOptions{cfg: quiet(), before: func(c *netcode.Conn, _ *netcode.Hello) { c.SetDeltas(true) }})
	ws := join(t, ts.url)
	c := ts.conn(t)
	s1 := &netcode.Snapshot{Tick: 1, ID: 1, Payload: payload(100, 7, 1), Policy: deltas}
	s2 := &netcode.Snapshot{Tick: 2, ID: 2, Payload: payload(100, 7, 2), Policy: deltas}
	c.PublishSnapshot(s1, 0)
	next(t, ws)
	s2.PrepareDelta(s1)
	if got := calls.Load(); got != 1 {
		t.Fatalf("PrepareDelta called the delta function %d times, want once", got)
	}
	c.PublishSnapshot(s2, 0)
	m := next(t, ws)
	if m.Base != 1 || !bytes.Equal(m.Payload, []byte{0xc4, 2, 2, 2}) {
		t.Fatalf("got base %d payload % x, want the delta from tick 1", m.Base, m.Payload)
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("the writer took the prepared delta again: %d calls", got)
	}
	// A base that allows no delta (too old) prepares nothing.
	s12 := &netcode.Snapshot{Tick: 12, ID: 3, Payload: payload(100, 7, 3), Policy: deltas}
	s12.PrepareDelta(s1)
	if got := calls.Load(); got != 1 {
		t.Fatalf("a delta was taken from a base past MaxAge: %d calls", got)
	}
}

// TestWriteTimeoutClosesTooSlow: a client that stops reading blocks the
// writer once the socket buffers are full; the write times out and the
// connection closes as too slow, without waiting for the reliable lane.
func TestWriteTimeoutClosesTooSlow(t *testing.T) {
	t.Parallel()
	cfg := quiet()
	cfg.WriteTimeout = 300 * time.Millisecond
	cfg.ReliableQueue = 1 << 20
	ts := startServer(t, serverOptions{cfg: cfg})
	ws := join(t, ts.url)
	defer ws.CloseNow()
	c := ts.conn(t)
	big := append([]byte{0xc6, 0x00, 0x04, 0x00, 0x00}, make([]byte, 256<<10)...) // bin32 of 256 KiB
	for i := range 400 {                                                          // 100 MiB: more than any socket buffer holds
		c.PublishSnapshot(&netcode.Snapshot{Tick: uint32(i + 1), ID: uint64(i + 1), Payload: big}, 0)
		if code, _ := c.CloseStatus(); code != 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	waitDone(t, c)
	code, reason := c.CloseStatus()
	if code != netcode.CloseTooSlow || !strings.Contains(reason, "write timed out") {
		t.Fatalf("closed with %d %q, want %d and a write timeout", code, reason, netcode.CloseTooSlow)
	}
}
