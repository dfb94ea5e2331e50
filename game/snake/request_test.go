package snake_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

func TestColourRequests(t *testing.T) {
	t.Parallel()
	g, err := snake.New(board(20, 20), game.Setup{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []game.PlayerID{1, 2, 3} {
		if err := g.Join(p, ""); err != nil {
			t.Fatal(err)
		}
	}
	step(t, g, 1)
	before := g.StateHash()
	colours := func() any {
		v, err := g.Request(0, snake.RequestColours, []byte{0xc0})
		if err != nil {
			t.Fatalf("colours: %v", err)
		}
		return v
	}
	if got := colours(); !reflect.DeepEqual(got, []snake.Colour{}) {
		t.Fatalf("colours before any: %v, want none", got)
	}
	for _, req := range []struct {
		p   game.PlayerID
		hue []byte
	}{{3, []byte{0xcd, 0x01, 0x00}}, {1, []byte{7}}} { // 256, 7
		if _, err := g.Request(req.p, snake.RequestColour, req.hue); err != nil {
			t.Fatalf("colour of player %d: %v", req.p, err)
		}
	}
	if g.StateHash() == before {
		t.Error("choosing colours left the state hash as it was")
	}
	if got, want := colours(), []snake.Colour{{Player: 1, Hue: 7}, {Player: 3, Hue: 256}}; !reflect.DeepEqual(got, want) {
		t.Errorf("colours: %v, want %v in player order", got, want)
	}
	events := step(t, g, 2)
	var got []snake.Colour
	for _, ev := range events {
		if ev.Kind == snake.KindColour {
			got = append(got, ev.Data.(snake.Colour))
		}
	}
	if want := []snake.Colour{{Player: 3, Hue: 256}, {Player: 1, Hue: 7}}; !reflect.DeepEqual(got, want) {
		t.Errorf("colour events of the next step: %v, want %v in request order", got, want)
	}
	for _, ev := range step(t, g, 3) {
		if ev.Kind == snake.KindColour {
			t.Errorf("a colour event again on the step after: %+v", ev)
		}
	}
	g.Leave(3)
	if got, want := colours(), []snake.Colour{{Player: 1, Hue: 7}}; !reflect.DeepEqual(got, want) {
		t.Errorf("colours after player 3 left: %v, want %v", got, want)
	}

	for _, tt := range []struct {
		name string
		p    game.PlayerID
		kind string
		data []byte
		want error
	}{
		{"a spectator's colour", 0, snake.RequestColour, []byte{1}, game.ErrRejected},
		{"an unknown player's colour", 9, snake.RequestColour, []byte{1}, game.ErrRejected},
		{"hue 360", 1, snake.RequestColour, []byte{0xcd, 0x01, 0x68}, game.ErrBadInput},
		{"hue -1", 1, snake.RequestColour, []byte{0xff}, game.ErrBadInput},
		{"nil", 1, snake.RequestColour, []byte{0xc0}, game.ErrBadInput},
		{"a float", 1, snake.RequestColour, []byte{0xca, 0x42, 0xf0, 0, 0}, game.ErrBadInput},
		{"truncated", 1, snake.RequestColour, []byte{0xcd, 0x01}, game.ErrBadInput},
		{"an unknown kind", 1, "dance", nil, game.ErrUnknownRequest},
	} {
		if _, err := g.Request(tt.p, tt.kind, tt.data); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}
