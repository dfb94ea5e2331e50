package snake_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// A snake on row 5 heading right into (3,5), and one heading left into it.
var (
	fromLeft  = snake.Placed{ID: 1, Cells: []xy{{2, 5}, {1, 5}, {0, 5}}, Dir: snake.Right}
	fromRight = snake.Placed{ID: 2, Cells: []xy{{4, 5}, {5, 5}, {6, 5}}, Dir: snake.Left}
)

func TestDeaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		snakes []snake.Placed
		turns  map[game.PlayerID]snake.Direction
		want   []game.Event
		// alive maps survivors to their cells after the tick.
		alive map[game.PlayerID][]xy
	}{
		{
			name:   "wall right",
			snakes: []snake.Placed{{ID: 1, Cells: []xy{{9, 5}, {8, 5}, {7, 5}}, Dir: snake.Right}},
			want:   []game.Event{died(1, 0, snake.CauseWall)},
		},
		{
			name:   "wall up",
			snakes: []snake.Placed{{ID: 1, Cells: []xy{{3, 0}, {3, 1}, {3, 2}}, Dir: snake.Up}},
			want:   []game.Event{died(1, 0, snake.CauseWall)},
		},
		{
			name:   "self",
			snakes: []snake.Placed{{ID: 1, Cells: []xy{{2, 2}, {2, 3}, {3, 3}, {3, 2}, {3, 1}}, Dir: snake.Up, Score: 2}},
			turns:  map[game.PlayerID]snake.Direction{1: snake.Right},
			want:   []game.Event{died(1, 0, snake.CauseSelf)},
		},
		{
			name:   "own vacated tail is free",
			snakes: []snake.Placed{{ID: 1, Cells: []xy{{2, 2}, {2, 3}, {3, 3}, {3, 2}}, Dir: snake.Up, Score: 1}},
			turns:  map[game.PlayerID]snake.Direction{1: snake.Right},
			alive:  map[game.PlayerID][]xy{1: {{3, 2}, {2, 2}, {2, 3}, {3, 3}}},
		},
		{
			name:   "own staying tail kills",
			snakes: []snake.Placed{{ID: 1, Cells: []xy{{2, 2}, {2, 3}, {3, 3}, {3, 2}}, Dir: snake.Up, Score: 2, Grow: true}},
			turns:  map[game.PlayerID]snake.Direction{1: snake.Right},
			want:   []game.Event{died(1, 0, snake.CauseSelf)},
		},
		{
			name: "body of another, with killer",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 3}, {3, 4}, {3, 5}, {3, 6}}, Dir: snake.Up, Score: 1},
			},
			want:  []game.Event{died(1, 2, snake.CauseBody)},
			alive: map[game.PlayerID][]xy{2: {{3, 2}, {3, 3}, {3, 4}, {3, 5}}},
		},
		{
			name: "head of another that moves away is its neck",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 5}, {3, 6}, {3, 7}}, Dir: snake.Up},
			},
			want:  []game.Event{died(1, 2, snake.CauseBody)},
			alive: map[game.PlayerID][]xy{2: {{3, 4}, {3, 5}, {3, 6}}},
		},
		{
			name: "vacated tail of another is free",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 3}, {3, 4}, {3, 5}}, Dir: snake.Up},
			},
			alive: map[game.PlayerID][]xy{
				1: {{3, 5}, {2, 5}, {1, 5}},
				2: {{3, 2}, {3, 3}, {3, 4}},
			},
		},
		{
			name: "staying tail of another kills",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 3}, {3, 4}, {3, 5}}, Dir: snake.Up, Score: 1, Grow: true},
			},
			want:  []game.Event{died(1, 2, snake.CauseBody)},
			alive: map[game.PlayerID][]xy{2: {{3, 2}, {3, 3}, {3, 4}, {3, 5}}},
		},
		{
			name:   "head-on, two heads",
			snakes: []snake.Placed{fromLeft, fromRight},
			want:   []game.Event{died(1, 0, snake.CauseHeadOn), died(2, 0, snake.CauseHeadOn)},
		},
		{
			name: "head-on, three heads",
			snakes: []snake.Placed{
				fromLeft, fromRight,
				{ID: 3, Cells: []xy{{3, 4}, {3, 3}, {3, 2}}, Dir: snake.Down},
			},
			want: []game.Event{
				died(1, 0, snake.CauseHeadOn), died(2, 0, snake.CauseHeadOn), died(3, 0, snake.CauseHeadOn),
			},
		},
		{
			name: "head-on on a vacated tail",
			snakes: []snake.Placed{
				fromLeft, fromRight,
				{ID: 3, Cells: []xy{{3, 3}, {3, 4}, {3, 5}}, Dir: snake.Up},
			},
			want:  []game.Event{died(1, 0, snake.CauseHeadOn), died(2, 0, snake.CauseHeadOn)},
			alive: map[game.PlayerID][]xy{3: {{3, 2}, {3, 3}, {3, 4}}},
		},
		{
			name: "two heads into a body die of body",
			snakes: []snake.Placed{
				fromLeft, fromRight,
				{ID: 3, Cells: []xy{{3, 4}, {3, 5}, {3, 6}}, Dir: snake.Up},
			},
			want:  []game.Event{died(1, 3, snake.CauseBody), died(2, 3, snake.CauseBody)},
			alive: map[game.PlayerID][]xy{3: {{3, 3}, {3, 4}, {3, 5}}},
		},
		{
			name: "heads that swap cells kill each other",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 5}, {4, 5}, {5, 5}}, Dir: snake.Left},
			},
			want: []game.Event{died(1, 2, snake.CauseBody), died(2, 1, snake.CauseBody)},
		},
		{
			name: "a snake dying this tick still blocks",
			snakes: []snake.Placed{
				fromLeft,
				{ID: 2, Cells: []xy{{3, 0}, {3, 1}, {3, 2}, {3, 3}, {3, 4}, {3, 5}, {3, 6}}, Dir: snake.Up, Score: 4},
			},
			want: []game.Event{died(1, 2, snake.CauseBody), died(2, 0, snake.CauseWall)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := placed(t, board(10, 10), tt.snakes, nil)
			for p, d := range tt.turns {
				input(t, g, p, d)
			}
			got := step(t, g, 1)
			if len(got) != len(tt.want) || len(got) > 0 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
			s := snap(t, g)
			var b snake.Board
			if err := b.Load(s); err != nil {
				t.Fatalf("Load: %v", err)
			}
			for _, e := range got {
				victim := e.Data.(snake.Died).Victim
				sn := snakeOf(t, s, victim)
				if sn.Status != snake.Dead || sn.Len != 0 || sn.RespawnIn != 5 {
					t.Errorf("victim %d: status %d, len %d, respawn in %d; want dead, 0, 5",
						victim, sn.Status, sn.Len, sn.RespawnIn)
				}
				for y := range 10 {
					for x := range 10 {
						if b.Owner(x, y) == victim {
							t.Errorf("victim %d still covers (%d,%d)", victim, x, y)
						}
					}
				}
			}
			for p, want := range tt.alive {
				if got := cellsOf(t, s, p); !reflect.DeepEqual(got, want) {
					t.Errorf("player %d cells = %v, want %v", p, got, want)
				}
			}
		})
	}
}

func TestGrowthTiming(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{2, 5}, {1, 5}, {0, 5}}, Dir: snake.Right}
	g := placed(t, board(12, 12), []snake.Placed{a}, []xy{{3, 5}, {4, 5}})
	want := []struct {
		cells []xy
		score uint32
		grow  bool
	}{
		// Eats (3,5): the tail still moves this tick.
		{[]xy{{3, 5}, {2, 5}, {1, 5}}, 1, true},
		// The tail stays, and it eats (4,5) too.
		{[]xy{{4, 5}, {3, 5}, {2, 5}, {1, 5}}, 2, true},
		{[]xy{{5, 5}, {4, 5}, {3, 5}, {2, 5}, {1, 5}}, 2, false},
		{[]xy{{6, 5}, {5, 5}, {4, 5}, {3, 5}, {2, 5}}, 2, false},
	}
	for i, w := range want {
		tick := uint32(i + 1)
		step(t, g, tick)
		s := snap(t, g)
		if got := cellsOf(t, s, 1); !reflect.DeepEqual(got, w.cells) {
			t.Errorf("tick %d: cells = %v, want %v", tick, got, w.cells)
		}
		sn := snakeOf(t, s, 1)
		if sn.Score != w.score || sn.Best != w.score {
			t.Errorf("tick %d: score, best = %d, %d, want %d, %d", tick, sn.Score, sn.Best, w.score, w.score)
		}
		if grow, _ := snake.Pending(g, 1); grow != w.grow {
			t.Errorf("tick %d: growth pending = %v, want %v", tick, grow, w.grow)
		}
	}
	if got := snap(t, g).FoodCount(); got != 0 {
		t.Errorf("food left = %d, want 0 (both eaten, none added with Food 0)", got)
	}
}

func TestTurns(t *testing.T) {
	t.Parallel()
	start := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {4, 5}, {3, 5}}, Dir: snake.Right}
	U, R, D, L := snake.Up, snake.Right, snake.Down, snake.Left
	tests := []struct {
		name  string
		turns []snake.Direction
		heads []xy // head after each tick
		queue []int
	}{
		{"no turn goes straight", nil, []xy{{6, 5}, {7, 5}}, []int{0, 0}},
		{"reverse discarded, next one taken", []snake.Direction{L, U}, []xy{{5, 4}, {5, 3}}, []int{0, 0}},
		{"same direction discarded, next one taken", []snake.Direction{R, D}, []xy{{5, 6}, {5, 7}}, []int{0, 0}},
		{"only a reverse: straight on", []snake.Direction{L}, []xy{{6, 5}, {7, 5}}, []int{0, 0}},
		{"one turn per tick", []snake.Direction{U, L}, []xy{{5, 4}, {4, 4}, {3, 4}}, []int{1, 0, 0}},
		{"reverse judged against the direction at that tick", []snake.Direction{U, D, R}, []xy{{5, 4}, {6, 4}}, []int{2, 0}},
		{
			"a fifth pending turn is dropped", []snake.Direction{U, R, U, R, D},
			[]xy{{5, 4}, {6, 4}, {6, 3}, {7, 3}, {8, 3}}, []int{3, 2, 1, 0, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := placed(t, board(12, 12), []snake.Placed{start}, nil)
			input(t, g, 1, tt.turns...)
			wantDropped := uint64(max(0, len(tt.turns)-4))
			if got := g.DroppedTurns(); got != wantDropped {
				t.Errorf("dropped turns = %d, want %d", got, wantDropped)
			}
			for i, want := range tt.heads {
				tick := uint32(i + 1)
				step(t, g, tick)
				if got := cellsOf(t, snap(t, g), 1)[0]; got != want {
					t.Errorf("tick %d: head = %v, want %v", tick, got, want)
				}
				if _, got := snake.Pending(g, 1); got != tt.queue[i] {
					t.Errorf("tick %d: queued = %d, want %d", tick, got, tt.queue[i])
				}
			}
		})
	}
}

func TestRespawn(t *testing.T) {
	t.Parallel()
	for _, respawn := range []int{1, 3, 20} {
		t.Run(fmt.Sprint(respawn), func(t *testing.T) {
			t.Parallel()
			cfg := board(10, 10)
			cfg.RespawnTicks = respawn
			a := snake.Placed{ID: 1, Dir: snake.Right, Score: 5, Best: 7}
			for x := 9; x >= 2; x-- {
				a.Cells = append(a.Cells, xy{x, 0})
			}
			g := placed(t, cfg, []snake.Placed{a}, nil)
			// Up runs into the top wall; Left is left over at death and
			// must not steer the next snake.
			input(t, g, 1, snake.Up, snake.Left)
			if got, want := step(t, g, 1), []game.Event{died(1, 0, snake.CauseWall)}; !reflect.DeepEqual(got, want) {
				t.Fatalf("tick 1: events = %v, want %v", got, want)
			}
			for tick := uint32(1); tick <= uint32(respawn); tick++ {
				if tick > 1 {
					if got := step(t, g, tick); len(got) != 0 {
						t.Fatalf("tick %d: events = %v, want none", tick, got)
					}
				}
				sn := snakeOf(t, snap(t, g), 1)
				want := uint16(respawn - int(tick) + 1)
				if sn.Status != snake.Dead || sn.RespawnIn != want || sn.Score != 5 || sn.Best != 7 {
					t.Errorf("tick %d: status %d, respawn in %d, score %d, best %d; want dead, %d, 5, 7",
						tick, sn.Status, sn.RespawnIn, sn.Score, sn.Best, want)
				}
			}
			tick := uint32(respawn + 1)
			want := []game.Event{{Kind: snake.KindRespawned, Data: snake.Respawned{Player: 1}}}
			if got := step(t, g, tick); !reflect.DeepEqual(got, want) {
				t.Fatalf("tick %d: events = %v, want %v", tick, got, want)
			}
			s := snap(t, g)
			sn := snakeOf(t, s, 1)
			if sn.Status != snake.Alive || sn.Len != 3 || sn.Score != 0 || sn.Best != 7 || sn.RespawnIn != 0 {
				t.Errorf("respawned: status %d, len %d, score %d, best %d, respawn in %d; want alive, 3, 0, 7, 0",
					sn.Status, sn.Len, sn.Score, sn.Best, sn.RespawnIn)
			}
			if _, queued := snake.Pending(g, 1); queued != 0 {
				t.Errorf("respawned with %d queued turns, want 0", queued)
			}
			checkSpawn(t, s, 1)
		})
	}
}

func TestBestScore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ score, best, wantBest uint32 }{{7, 7, 8}, {2, 7, 7}} {
		// A straight snake of length 3+score on row 5, food just ahead.
		n := 3 + int(tt.score)
		a := snake.Placed{ID: 1, Dir: snake.Right, Score: tt.score, Best: tt.best}
		for i := range n {
			a.Cells = append(a.Cells, xy{n - 1 - i, 5})
		}
		g := placed(t, board(12, 12), []snake.Placed{a}, []xy{{n, 5}})
		step(t, g, 1)
		sn := snakeOf(t, snap(t, g), 1)
		if sn.Score != tt.score+1 || sn.Best != tt.wantBest {
			t.Errorf("score %d best %d, after eating: score %d, best %d; want %d, %d",
				tt.score, tt.best, sn.Score, sn.Best, tt.score+1, tt.wantBest)
		}
	}
}
