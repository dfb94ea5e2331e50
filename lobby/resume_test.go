package lobby_test

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// waitEvent reads until an event of kind arrives.
func waitEvent(t *testing.T, c *client.Client, kind string) netcode.Message {
	t.Helper()
	for {
		if m := next(t, c, netcode.MsgEvent); m.Kind == kind {
			return m
		}
	}
}

func TestResumeWithinGrace(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{ResumeGrace: 10 * time.Second}}, typ)
	stay := e.dial(netcode.Hello{Name: "stay"})
	drop := e.dial(netcode.Hello{Name: "drop", Room: stay.Welcome().Room})
	waitEvent(t, drop, lobby.EventJoined) // its own join
	first := drop.Welcome()
	lastEvent := drop.LastEvent()
	room, _ := e.srv.Room(first.Room)

	drop.CloseNow() // the network goes away, no close handshake
	waitEvent(t, stay, lobby.EventDropped)
	if st := room.Stats(); st.Players != 2 || st.Away != 1 {
		t.Fatalf("%d players, %d away; want the seat held", st.Players, st.Away)
	}
	// Events the dropped player misses are kept for it.
	for _, text := range []string{"one", "two"} {
		if err := stay.SendChat(t.Context(), text); err != nil {
			t.Fatal(err)
		}
	}
	waitEvent(t, stay, lobby.EventChat)
	waitEvent(t, stay, lobby.EventChat)

	back := e.dial(netcode.Hello{Session: first.Session, LastEvent: lastEvent})
	w := back.Welcome()
	if !w.Resumed || w.Player != first.Player || w.Room != first.Room {
		t.Fatalf("welcome %+v, want player %d resumed in room %s", w, first.Player, first.Room)
	}
	if w.Session == first.Session {
		t.Fatal("session token not rotated on resume")
	}
	// The missed events arrive first, with their original seqs.
	var texts []string
	seq := lastEvent
	for len(texts) < 2 {
		m := next(t, back, netcode.MsgEvent)
		if m.Seq != seq+1 {
			t.Fatalf("replayed event seq %d after %d, want contiguous", m.Seq, seq)
		}
		seq = m.Seq
		if m.Kind == lobby.EventChat {
			var ce lobby.ChatEvent
			if err := msgpackUnmarshal(m.Payload, &ce); err != nil {
				t.Fatal(err)
			}
			texts = append(texts, ce.Text)
		}
	}
	if texts[0] != "one" || texts[1] != "two" {
		t.Fatalf("replayed chat %q, want [one two]", texts)
	}
	waitEvent(t, stay, lobby.EventReconnected)
	if st := room.Stats(); st.Players != 2 || st.Away != 0 {
		t.Fatalf("%d players, %d away after the resume", st.Players, st.Away)
	}
	// Inputs work again, with seqs counted afresh on the new connection.
	seqIn, err := back.SendInput(t.Context(), testgame.Input(1))
	if err != nil {
		t.Fatal(err)
	}
	for next(t, back, netcode.MsgSnapshot).Ack < seqIn {
	}
	// The old token is spent.
	_, err = e.dialErr(netcode.Hello{Session: first.Session})
	wantClose(t, err, netcode.CloseUnauthorized)
}

func TestResumeReplacesLiveConnection(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	old := e.dial(netcode.Hello{})
	w := old.Welcome()
	// An event lands after the welcome, so the resume has one to replay.
	waitEvent(t, old, lobby.EventJoined)
	again := e.dial(netcode.Hello{Session: w.Session, LastEvent: 0})
	if got := again.Welcome(); !got.Resumed || got.Player != w.Player {
		t.Fatalf("welcome %+v, want a resume of player %d", got, w.Player)
	}
	expectClose(t, old, netcode.CloseReplaced)
	if m := next(t, again, netcode.MsgEvent); m.Seq != 1 || m.Kind != lobby.EventJoined {
		t.Fatalf("first replayed event %d %q, want 1 joined", m.Seq, m.Kind)
	}
	room, _ := e.srv.Room(w.Room)
	if st := room.Stats(); st.Players != 1 {
		t.Fatalf("%d players, want the one resumed", st.Players)
	}
}

func TestResumeAfterGraceIsRefused(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	clk := fakeTime()
	const grace = 20 * time.Second
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{ResumeGrace: grace}, Clock: clk}, typ)
	stay := e.dial(netcode.Hello{})
	drop := e.dial(netcode.Hello{Room: stay.Welcome().Room})
	session := drop.Welcome().Session
	drop.CloseNow()
	waitEvent(t, stay, lobby.EventDropped)
	room, _ := e.srv.Room(stay.Welcome().Room)
	advanceRoom(t, clk, room, grace-time.Millisecond)
	if st := room.Stats(); st.Players != 2 || st.Away != 1 {
		t.Fatalf("just inside the grace: %d players, %d away; want the seat held", st.Players, st.Away)
	}
	advanceUntil(t, clk, 10*time.Millisecond, "the seat to end", func() bool { return room.Stats().Players == 1 })
	left := waitEvent(t, stay, lobby.EventLeft)
	var pe lobby.PlayerEvent
	if err := msgpackUnmarshal(left.Payload, &pe); err != nil {
		t.Fatal(err)
	}
	if pe.Player != drop.Welcome().Player {
		t.Fatalf("left event for player %d, want %d", pe.Player, drop.Welcome().Player)
	}
	_, err := e.dialErr(netcode.Hello{Session: session})
	wantClose(t, err, netcode.CloseUnauthorized)
	_, err = e.dialErr(netcode.Hello{Session: "garbage"})
	wantClose(t, err, netcode.CloseUnauthorized)
}

func TestLeaveEndsSeatAtOnce(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	stay := e.dial(netcode.Hello{})
	leave := e.dial(netcode.Hello{Room: stay.Welcome().Room})
	if err := leave.Leave(t.Context()); err != nil {
		t.Fatalf("leave: %v", err)
	}
	if m := waitEvent(t, stay, lobby.EventLeft); m.Kind != lobby.EventLeft {
		t.Fatal("no left event")
	}
	room, _ := e.srv.Room(stay.Welcome().Room)
	if st := room.Stats(); st.Players != 1 || st.Away != 0 {
		t.Fatalf("%d players, %d away after a leave; want the seat freed", st.Players, st.Away)
	}
}

func TestDrain(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	c := e.dial(netcode.Hello{})
	drained := make(chan error, 1)
	go func() { drained <- e.srv.Drain(t.Context(), 500*time.Millisecond) }()

	m := waitEvent(t, c, lobby.EventDraining)
	var de lobby.DrainEvent
	if err := msgpackUnmarshal(m.Payload, &de); err != nil {
		t.Fatal(err)
	}
	if de.Millis != 500 {
		t.Fatalf("draining event says %d ms, want 500", de.Millis)
	}
	if got := e.api("GET", "/readyz", nil, nil); got != 503 {
		t.Fatalf("/readyz %d while draining, want 503", got)
	}
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{}, nil); got != 503 {
		t.Fatalf("matchmake %d while draining, want 503", got)
	}
	_, err := e.dialErr(netcode.Hello{})
	wantClose(t, err, netcode.CloseShuttingDown)
	// The room keeps running until the drain period ends.
	next(t, c, netcode.MsgSnapshot)
	expectClose(t, c, netcode.CloseShuttingDown)
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}
}
