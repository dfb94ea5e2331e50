package snake_test

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

func results(g *snake.Game) []game.Result { return g.AppendResults(nil) }

func TestResultsOfDeaths(t *testing.T) {
	t.Parallel()
	cfg := board(10, 10)
	// 1 runs into 2's body: 2 gets the kill, 1 the death.
	g := placed(t, cfg, []snake.Placed{
		{ID: 1, Cells: []xy{{2, 5}, {1, 5}, {0, 5}}, Dir: snake.Right, Score: 4},
		{ID: 2, Cells: []xy{{3, 3}, {3, 4}, {3, 5}, {3, 6}}, Dir: snake.Up, Score: 1},
	}, nil)
	step(t, g, 1)
	if got, want := results(g), []game.Result{{Player: 1, Score: 4, Kills: 0, Cause: "body", Ticks: 1}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the death: %+v, want %+v", got, want)
	}
	if got := results(g); len(got) != 0 {
		t.Fatalf("a second AppendResults gives %+v, want nothing", got)
	}
	for tick := uint32(2); tick <= 3; tick++ {
		step(t, g, tick)
	}
	// 2 runs into the wall at the top with its kill.
	step(t, g, 4)
	if got, want := results(g), []game.Result{{Player: 2, Score: 1, Kills: 1, Cause: "wall", Ticks: 4}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("the killer's death: %+v, want %+v", got, want)
	}
}

// TestResultsSwap: two heads that swap cells kill each other; each life
// counts its kill although it ends in the same tick.
func TestResultsSwap(t *testing.T) {
	t.Parallel()
	g := placed(t, board(10, 10), []snake.Placed{
		{ID: 1, Cells: []xy{{2, 5}, {1, 5}, {0, 5}}, Dir: snake.Right},
		{ID: 2, Cells: []xy{{3, 5}, {4, 5}, {5, 5}}, Dir: snake.Left},
	}, nil)
	events := step(t, g, 1)
	if want := []game.Event{died(1, 2, snake.CauseBody), died(2, 1, snake.CauseBody)}; !reflect.DeepEqual(events, want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	want := []game.Result{
		{Player: 1, Kills: 1, Cause: "body", Ticks: 1},
		{Player: 2, Kills: 1, Cause: "body", Ticks: 1},
	}
	if got := results(g); !reflect.DeepEqual(got, want) {
		t.Fatalf("results %+v, want %+v", got, want)
	}
}

// TestResultsLeave: a living snake's life ends when its player leaves; a
// dead or waiting player has no life to end.
func TestResultsLeave(t *testing.T) {
	t.Parallel()
	g := placed(t, board(10, 10), []snake.Placed{
		{ID: 1, Cells: []xy{{3, 5}, {2, 5}, {1, 5}, {0, 5}}, Dir: snake.Right, Score: 1},
		{ID: 2, Cells: []xy{{9, 1}, {8, 1}, {7, 1}}, Dir: snake.Right},
	}, nil)
	step(t, g, 1) // 2 dies at the wall
	step(t, g, 2)
	results(g)
	g.Leave(1)
	g.Leave(2)
	if got, want := results(g), []game.Result{{Player: 1, Score: 1, Cause: snake.ResultLeft, Ticks: 2}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("results %+v, want %+v", got, want)
	}
	if err := g.Join(3, ""); err != nil {
		t.Fatal(err)
	}
	g.Leave(3)
	if got := results(g); len(got) != 0 {
		t.Fatalf("a waiting player's leave gave %+v", got)
	}
}

// TestResultsBounded: a game that nobody asks keeps a bounded number of
// results and counts the rest.
func TestResultsBounded(t *testing.T) {
	t.Parallel()
	g := placed(t, board(10, 10), nil, nil)
	n := 0
	for p := game.PlayerID(1); n < 1100; p++ {
		if err := g.Join(p, ""); err != nil {
			t.Fatal(err)
		}
		step(t, g, uint32(p)) // spawns it
		g.Leave(p)
		n++
	}
	if got := len(results(g)); got != 1024 || g.ResultsLost() != uint64(n-1024) {
		t.Fatalf("%d results kept, %d lost, after %d lives", got, g.ResultsLost(), n)
	}
}

// TestResultsChangeNothing plays the same random matches twice, once
// taking the results after every step and leave and once never: the
// states, snapshots and events are the same at every tick (replays and
// recordings stay exact), and the results agree with the events.
func TestResultsChangeNothing(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 7, 1 << 33} {
		cfg := snake.Config{Width: 24, Height: 20, Food: 12, RespawnTicks: 6, MaxPlayers: 8}
		a, err := snake.New(cfg, game.Setup{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := snake.New(cfg, game.Setup{Seed: seed})
		rnd := rand.New(rand.NewPCG(seed, 2))
		var joined []game.PlayerID
		next := game.PlayerID(1)
		born := map[game.PlayerID]uint32{}
		alive := map[game.PlayerID]bool{}
		var got []game.Result
		var deaths, kills, leftAlive int
		var bufA, bufB []byte
		for tick := uint32(1); tick <= 2000; tick++ {
			if rnd.IntN(8) == 0 && len(joined) < cfg.MaxPlayers {
				if err := a.Join(next, ""); err != nil {
					t.Fatal(err)
				}
				_ = b.Join(next, "")
				joined = append(joined, next)
				next++
			}
			if len(joined) > 0 && rnd.IntN(30) == 0 {
				i := rnd.IntN(len(joined))
				p := joined[i]
				if alive[p] {
					leftAlive++
					alive[p] = false
				}
				a.Leave(p)
				b.Leave(p)
				joined = slices.Delete(joined, i, i+1)
				for _, r := range a.AppendResults(nil) {
					if r.Player != p || r.Cause != snake.ResultLeft || r.Ticks != int64(tick-1-born[p]) {
						t.Fatalf("seed %d tick %d: leave of %d gave %+v (born %d)", seed, tick, p, r, born[p])
					}
					got = append(got, r)
				}
			}
			for _, p := range joined {
				if rnd.IntN(3) == 0 {
					turn := snake.EncodeTurn(snake.Direction(rnd.IntN(4)))
					_ = a.Input(p, turn)
					_ = b.Input(p, turn)
				}
			}
			evA := slices.Clone(a.Step(tick))
			evB := b.Step(tick)
			if !reflect.DeepEqual(evA, evB) {
				t.Fatalf("seed %d tick %d: events differ", seed, tick)
			}
			var diedNow []snake.Died
			for _, ev := range evA {
				switch d := ev.Data.(type) {
				case snake.Died:
					deaths++
					if d.Killer != 0 {
						kills++
					}
					diedNow = append(diedNow, d)
					alive[d.Victim] = false
				case snake.Spawned:
					born[d.Player], alive[d.Player] = tick, true
				case snake.Respawned:
					born[d.Player], alive[d.Player] = tick, true
				}
			}
			rs := a.AppendResults(nil)
			if len(rs) != len(diedNow) {
				t.Fatalf("seed %d tick %d: %d results for %d deaths", seed, tick, len(rs), len(diedNow))
			}
			for i, r := range rs {
				d := diedNow[i]
				if r.Player != d.Victim || r.Cause != string(d.Cause) || r.Ticks <= 0 {
					t.Fatalf("seed %d tick %d: result %+v for death %+v", seed, tick, r, d)
				}
			}
			got = append(got, rs...)
			if a.StateHash() != b.StateHash() {
				t.Fatalf("seed %d tick %d: state hashes differ", seed, tick)
			}
			bufA, bufB = a.AppendSnapshot(bufA[:0]), b.AppendSnapshot(bufB[:0])
			if !bytes.Equal(bufA, bufB) {
				t.Fatalf("seed %d tick %d: snapshots differ", seed, tick)
			}
		}
		for _, p := range joined { // the lives still going end as their players leave
			if alive[p] {
				leftAlive++
			}
			a.Leave(p)
		}
		got = append(got, a.AppendResults(nil)...)
		var sumKills int64
		for _, r := range got {
			sumKills += r.Kills
		}
		if len(got) != deaths+leftAlive || sumKills != int64(kills) || deaths == 0 || kills == 0 {
			t.Errorf("seed %d: %d results for %d deaths and %d leaves; %d kills credited of %d", seed, len(got), deaths, leftAlive, sumKills, kills)
		}
	}
}
