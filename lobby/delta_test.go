package lobby_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

func (e *env) dialPatch(h netcode.Hello) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h, Patch: testgame.Patch})
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { c.CloseNow() })
	return c
}

// TestDeltaSnapshots: a client that can patch gets a full snapshot first
// and deltas after, and rebuilds exactly the states a full-snapshot client
// receives; a client that cannot patch gets full snapshots only.
func TestDeltaSnapshots(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("pad", testgame.Options{Padding: 2000})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 50, SendDeltas: true}}, typ)
	full := e.dial(netcode.Hello{})
	delta := e.dialPatch(netcode.Hello{Room: full.Welcome().Room})
	if full.Welcome().Deltas || !delta.Welcome().Deltas {
		t.Fatalf("welcome deltas: %v for the plain client, %v for the patching one; want false, true",
			full.Welcome().Deltas, delta.Welcome().Deltas)
	}
	states := map[uint32][]byte{}
	for range 30 {
		m := next(t, full, netcode.MsgSnapshot)
		if m.Base != 0 {
			t.Fatalf("plain client got a delta (base %d)", m.Base)
		}
		states[m.Tick] = bytes.Clone(m.Payload)
		if _, err := full.SendInput(t.Context(), testgame.Input(1)); err != nil {
			t.Fatal(err)
		}
	}
	first := next(t, delta, netcode.MsgSnapshot)
	if first.Base != 0 {
		t.Fatalf("first snapshot has base %d, want a full one", first.Base)
	}
	compared := 0
	for range 20 {
		m := next(t, delta, netcode.MsgSnapshot)
		if want, ok := states[m.Tick]; ok {
			compared++
			if !bytes.Equal(m.Payload, want) {
				t.Fatalf("tick %d: patched state differs from the full one", m.Tick)
			}
		}
	}
	if delta.Deltas() == 0 || compared == 0 {
		t.Fatalf("%d deltas, %d states compared: the test did not exercise deltas", delta.Deltas(), compared)
	}
	room, _ := e.srv.Room(full.Welcome().Room)
	members, err := room.Members(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Player == delta.Welcome().Player && (m.Conn.DeltasWritten == 0 || m.Conn.BytesWritten >= members[0].Conn.BytesWritten) {
			t.Errorf("patching client: %d deltas, %d bytes vs %d for the plain client; want fewer bytes",
				m.Conn.DeltasWritten, m.Conn.BytesWritten, members[0].Conn.BytesWritten)
		}
	}
}

// TestSnakeDeltas runs the Snake rules with deltas on: a patching client
// rebuilds exactly the states a full-snapshot client receives.
func TestSnakeDeltas(t *testing.T) {
	t.Parallel()
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 50, SendDeltas: true, Seed: 7}}, typ)
	full := e.dial(netcode.Hello{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	patching, err := client.Dial(ctx, e.url, client.Options{Hello: netcode.Hello{Room: full.Welcome().Room}, Patch: snake.Patch})
	if err != nil {
		t.Fatal(err)
	}
	defer patching.CloseNow()
	states := map[uint32][]byte{}
	for range 60 {
		m := next(t, full, netcode.MsgSnapshot)
		states[m.Tick] = bytes.Clone(m.Payload)
	}
	compared := 0
	for range 40 {
		m := next(t, patching, netcode.MsgSnapshot)
		if want, ok := states[m.Tick]; ok {
			compared++
			if !bytes.Equal(m.Payload, want) {
				t.Fatalf("tick %d: patched Snake state differs from the full one", m.Tick)
			}
		}
	}
	if patching.Deltas() == 0 || compared < 10 {
		t.Fatalf("%d deltas, %d states compared: the test did not exercise deltas", patching.Deltas(), compared)
	}
}

// TestResumeStartsWithFullSnapshot: after a resume, the first snapshot is
// full: the new connection has no base.
func TestResumeStartsWithFullSnapshot(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("pad", testgame.Options{Padding: 2000})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{SendDeltas: true}}, typ)
	c := e.dialPatch(netcode.Hello{})
	for c.Deltas() == 0 {
		next(t, c, netcode.MsgSnapshot)
	}
	w := c.Welcome()
	c.CloseNow()
	back := e.dialPatch(netcode.Hello{Session: w.Session, LastEvent: c.LastEvent()})
	if m := next(t, back, netcode.MsgSnapshot); m.Base != 0 {
		t.Fatalf("first snapshot after resume has base %d, want full", m.Base)
	}
}

// TestAreaOfInterest: each player gets the part of the world around it,
// encoded once per distinct area; spectators choose theirs.
func TestAreaOfInterest(t *testing.T) {
	t.Parallel()
	typ, ctr := testgame.Type("line", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 50, AreaOfInterest: true}}, typ)
	a := e.dial(netcode.Hello{})
	room := a.Welcome().Room
	b := e.dial(netcode.Hello{Room: room})
	far := e.dial(netcode.Hello{Room: room})
	if !a.Welcome().AreaOfInterest {
		t.Fatal("welcome does not announce area of interest")
	}
	// far moves to 50: out of a's and b's view (0..9).
	for range 5 {
		if _, err := far.SendInput(t.Context(), testgame.Input(10)); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := e.dialErr(netcode.Hello{Room: room, Spectator: true, View: []int{50, 0, 10, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !spec.Welcome().AreaOfInterest {
		t.Error("a spectator with a view: welcome areaOfInterest false, want true")
	}
	sees := func(c *client.Client) map[int64]bool {
		t.Helper()
		var s testgame.Snapshot
		for {
			m := next(t, c, netcode.MsgSnapshot)
			if err := msgpackUnmarshal(m.Payload, &s); err != nil {
				t.Fatal(err)
			}
			ids := map[int64]bool{}
			for _, p := range s.Players {
				ids[p[0]] = true
			}
			if len(s.Players) > 0 && (c != far && c != spec || s.Players[0][1] == 50) {
				return ids
			}
		}
	}
	ida, idb, idf := int64(a.Welcome().Player), int64(b.Welcome().Player), int64(far.Welcome().Player)
	wait.For(t, "far to move away", 5*time.Second, func() bool { return !sees(a)[idf] })
	if got := sees(a); !got[ida] || !got[idb] || got[idf] {
		t.Errorf("a sees %v, want a and b, not far", got)
	}
	if got := sees(far); !got[idf] || got[ida] {
		t.Errorf("far sees %v, want itself only", got)
	}
	if got := sees(spec); !got[idf] || got[ida] {
		t.Errorf("the spectator watching 50..59 sees %v, want far only", got)
	}
	// Three members share two areas, the spectator the second: two
	// encodes a tick.
	s0, e0 := e.srv.Rooms()[0].Stats(), ctr.Encodes.Load()
	wait.For(t, "10 more ticks", 5*time.Second, func() bool { return e.srv.Rooms()[0].Stats().Steps > s0.Steps+10 })
	s1, e1 := e.srv.Rooms()[0].Stats(), ctr.Encodes.Load()
	if perTick := float64(e1-e0) / float64(s1.Steps-s0.Steps); perTick < 1.8 || perTick > 2.2 {
		t.Errorf("%.2f encodes a tick, want 2 (one per distinct area)", perTick)
	}
	_, err = e.dialErr(netcode.Hello{Room: room, View: []int{0, 0, 10, 1}})
	wantClose(t, err, netcode.CloseBadHello)
	if whole := e.dial(netcode.Hello{Room: room, Spectator: true}); whole.Welcome().AreaOfInterest {
		t.Error("a spectator without a view sees the whole board: welcome areaOfInterest true, want false")
	}
}
