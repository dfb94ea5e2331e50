package snake_test

import (
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

type xy = [2]int

// board returns a config for hand-placed tests: no food is ever added.
func board(w, h int) snake.Config {
	return snake.Config{Width: w, Height: h, Food: 0, RespawnTicks: 5, MaxPlayers: 8}
}

func placed(t *testing.T, cfg snake.Config, snakes []snake.Placed, food []xy) *snake.Game {
	t.Helper()
	g, err := snake.NewPlaced(cfg, 1, snakes, food)
	if err != nil {
		t.Fatalf("NewPlaced: %v", err)
	}
	return g
}

// step runs one tick and returns a copy of its events.
func step(t *testing.T, g *snake.Game, tick uint32) []game.Event {
	t.Helper()
	events := slices.Clone(g.Step(tick))
	if err := snake.CheckInvariants(g); err != nil {
		t.Fatalf("tick %d: invariants: %v", tick, err)
	}
	return events
}

func input(t *testing.T, g *snake.Game, p game.PlayerID, dirs ...snake.Direction) {
	t.Helper()
	for _, d := range dirs {
		if err := g.Input(p, snake.EncodeTurn(d)); err != nil {
			t.Fatalf("Input(%d, %v): %v", p, d, err)
		}
	}
}

func snap(t testing.TB, g *snake.Game) *snake.Snapshot {
	t.Helper()
	s, err := snake.DecodeSnapshot(g.AppendSnapshot(nil))
	if err != nil {
		t.Fatalf("DecodeSnapshot: %v", err)
	}
	return s
}

func snakeOf(t testing.TB, s *snake.Snapshot, p game.PlayerID) *snake.Snake {
	t.Helper()
	for i := range s.Snakes {
		if s.Snakes[i].Player == p {
			return &s.Snakes[i]
		}
	}
	t.Fatalf("player %d not in snapshot", p)
	return nil
}

// cellsOf returns p's cells, head first, as (x, y).
func cellsOf(t testing.TB, s *snake.Snapshot, p game.PlayerID) []xy {
	t.Helper()
	cells, err := s.AppendCells(nil, snakeOf(t, s, p))
	if err != nil {
		t.Fatalf("AppendCells(%d): %v", p, err)
	}
	out := []xy{}
	for _, c := range cells {
		out = append(out, xy{int(c) % int(s.Width), int(c) / int(s.Width)})
	}
	return out
}

func died(victim, killer game.PlayerID, cause snake.Cause) game.Event {
	return game.Event{Kind: snake.KindDied, Data: snake.Died{Victim: victim, Killer: killer, Cause: cause}}
}
