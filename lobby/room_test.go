package lobby_test

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

func TestJoinInputAck(t *testing.T) {
	t.Parallel()
	typ, ctr := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 50}}, typ)
	a := e.dial(netcode.Hello{Name: "ada"})
	b := e.dial(netcode.Hello{Name: "bob"})
	wa, wb := a.Welcome(), b.Welcome()
	if wa.Room != wb.Room {
		t.Fatalf("quick play put players in rooms %q and %q, want one room", wa.Room, wb.Room)
	}
	if wa.Player == wb.Player || wa.Player == 0 {
		t.Fatalf("player ids %d and %d, want distinct non-zero", wa.Player, wb.Player)
	}
	if got, want := wb.Players, 2; len(got) != want {
		t.Fatalf("bob's welcome lists %d players, want %d", len(got), want)
	}
	ev := next(t, a, netcode.MsgEvent)
	if ev.Kind != "joined" {
		t.Fatalf("first event %q, want joined", ev.Kind)
	}
	seq, err := a.SendInput(t.Context(), testgame.Input(5))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := next(t, a, netcode.MsgSnapshot)
		if s.Ack >= seq {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("input %d never acknowledged", seq)
		}
	}
	if got := ctr.Inputs.Load(); got != 1 {
		t.Fatalf("game applied %d inputs, want 1", got)
	}
}
