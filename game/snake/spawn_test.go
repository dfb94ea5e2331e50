package snake_test

import (
	"fmt"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// checkSpawn checks a snake just placed: length 3, straight, its head facing
// away from its body, with three free cells (no snake, no food) ahead.
func checkSpawn(t *testing.T, s *snake.Snapshot, p game.PlayerID) {
	t.Helper()
	sn := snakeOf(t, s, p)
	cells := cellsOf(t, s, p)
	if sn.Status != snake.Alive || len(cells) != 3 {
		t.Fatalf("player %d: status %d, cells %v; want alive with 3", p, sn.Status, cells)
	}
	dx, dy := sn.Dir.Delta()
	for i, c := range cells {
		if want := (xy{cells[0][0] - i*dx, cells[0][1] - i*dy}); c != want {
			t.Errorf("player %d facing %v: cell %d = %v, want %v (cells %v)", p, sn.Dir, i, c, want, cells)
		}
	}
	var b snake.Board
	if err := b.Load(s); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for i := 1; i <= 3; i++ {
		x, y := cells[0][0]+i*dx, cells[0][1]+i*dy
		if !b.Free(x, y) || b.Food(x, y) {
			t.Errorf("player %d: cell (%d,%d), %d ahead of the head, is not free", p, x, y, i)
		}
	}
}

func TestSpawn(t *testing.T) {
	t.Parallel()
	for seed := range uint64(50) {
		cfg := snake.Config{Width: 16, Height: 12, Food: 20, RespawnTicks: 5, MaxPlayers: 6}
		g, err := snake.New(cfg, game.Setup{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for p := range game.PlayerID(6) {
			if err := g.Join(p+1, fmt.Sprint("p", p)); err != nil {
				t.Fatal(err)
			}
		}
		if sn := snakeOf(t, snap(t, g), 1); sn.Status != snake.Waiting {
			t.Errorf("seed %d: before the first Step, status %d, want waiting", seed, sn.Status)
		}
		events := step(t, g, 1)
		if len(events) != 6 {
			t.Fatalf("seed %d: %d events, want 6 spawned: %v", seed, len(events), events)
		}
		s := snap(t, g)
		for i, e := range events {
			p := game.PlayerID(i + 1)
			if want := (game.Event{Kind: snake.KindSpawned, Data: snake.Spawned{Player: p}}); e != want {
				t.Errorf("seed %d: event %d = %v, want %v", seed, i, e, want)
			}
		}
		// Each spawn saw the snakes spawned before it, so checking the last
		// one against the full board is exact; earlier ones only need their
		// own run to be free of everything but later snakes.
		checkSpawn(t, s, 6)
		if got := s.FoodCount(); got != 20 {
			t.Errorf("seed %d: food = %d, want 20", seed, got)
		}
	}
}

// TestSpawnWaitsForRoom fills a board so that no straight run of 6 free
// cells exists: a joining player must wait, then spawn once room appears.
func TestSpawnWaitsForRoom(t *testing.T) {
	t.Parallel()
	// On 8x8, column 3 blocks every row and row 4 every other column.
	a := snake.Placed{ID: 1, Cells: []xy{{3, 1}, {3, 2}, {3, 3}, {3, 4}, {3, 5}, {3, 6}, {3, 7}}, Dir: snake.Up, Grow: true, Score: 5}
	b := snake.Placed{ID: 2, Cells: []xy{{1, 4}, {2, 4}}, Dir: snake.Left, Grow: true}
	c := snake.Placed{ID: 3, Cells: []xy{{5, 4}, {6, 4}, {7, 4}}, Dir: snake.Left, Grow: true, Score: 1}
	g, err := snake.NewPlaced(board(8, 8), 1, []snake.Placed{a, b, c}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Join(4, "late"); err != nil {
		t.Fatal(err)
	}
	// Tick 1: every snake grows into a free cell; the board stays blocked.
	if got := g.Step(1); len(got) != 0 {
		t.Fatalf("tick 1: events = %v, want none", got)
	}
	if sn := snakeOf(t, snap(t, g), 4); sn.Status != snake.Waiting {
		t.Fatalf("tick 1: player 4 status %d, want waiting", sn.Status)
	}
	// Tick 2: all three die (two walls, one body) and their cells free up
	// before spawning, so player 4 gets a snake in the same tick.
	events := g.Step(2)
	want := []game.Event{
		died(1, 0, snake.CauseWall), died(2, 0, snake.CauseWall), died(3, 1, snake.CauseBody),
		{Kind: snake.KindSpawned, Data: snake.Spawned{Player: 4}},
	}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("tick 2: events = %v, want %v", events, want)
	}
	checkSpawn(t, snap(t, g), 4)
}

func TestFoodCountKept(t *testing.T) {
	t.Parallel()
	cfg := snake.Config{Width: 12, Height: 12, Food: 30, RespawnTicks: 5, MaxPlayers: 2}
	g, err := snake.New(cfg, game.Setup{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if got := snap(t, g).FoodCount(); got != 30 {
		t.Fatalf("food before the first tick = %d, want 30", got)
	}
	if err := g.Join(1, "a"); err != nil {
		t.Fatal(err)
	}
	ate := 0
	for tick := uint32(1); tick <= 300; tick++ {
		x, y, d, alive := snake.Look(g, 1)
		if alive { // steer clear of walls and bodies so it lives and eats
			for _, turn := range []snake.Direction{d, d.TurnLeft(), d.TurnRight()} {
				dx, dy := turn.Delta()
				if snake.FreeAt(g, x+dx, y+dy) {
					input(t, g, 1, turn)
					break
				}
			}
		}
		before := snakeOf(t, snap(t, g), 1).Score
		step(t, g, tick)
		s := snap(t, g)
		if sn := snakeOf(t, s, 1); sn.Status == snake.Alive && sn.Score > before {
			ate++
		}
		if got := s.FoodCount(); got != 30 {
			t.Fatalf("tick %d: food = %d, want 30", tick, got)
		}
	}
	if ate == 0 {
		t.Errorf("the snake never ate in 300 ticks; the test proves nothing")
	}
}

func TestFoodWhenBoardFills(t *testing.T) {
	t.Parallel()
	// 8x8 = 64 cells. A snake of 60 cells leaves 4 free cells for 10 food.
	var cells []xy
	for y := range 8 {
		for i := range 8 {
			x := i
			if y%2 == 1 {
				x = 7 - i
			}
			cells = append(cells, xy{x, y})
		}
	}
	cells = cells[:60]
	for i, j := 0, len(cells)-1; i < j; i, j = i+1, j-1 { // head last, heading into (3,7)
		cells[i], cells[j] = cells[j], cells[i]
	}
	a := snake.Placed{ID: 1, Cells: cells, Dir: snake.Left, Score: 57}
	cfg := snake.Config{Width: 8, Height: 8, Food: 10, RespawnTicks: 5, MaxPlayers: 1}
	g := placed(t, cfg, []snake.Placed{a}, nil)
	step(t, g, 1) // moves into (3,7), its tail frees (0,0); 4 cells free before food
	s := snap(t, g)
	if got := s.FoodCount(); got != 4 {
		t.Errorf("food = %d, want 4 (every free cell)", got)
	}
	if got := snake.FreeCells(g); got != 0 {
		t.Errorf("free cells = %d, want 0", got)
	}
}

// TestCrowdedLargeBoard fills a 256x256 board with food: placement must
// stay linear (a cell-by-cell search per item would take minutes), and a
// player who finds no spawn spot waits.
func TestCrowdedLargeBoard(t *testing.T) {
	t.Parallel()
	cfg := snake.Config{Width: 256, Height: 256, Food: 256*256 - 6, RespawnTicks: 1, MaxPlayers: 1}
	g, err := snake.New(cfg, game.Setup{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if got := snap(t, g).FoodCount(); got != cfg.Food {
		t.Fatalf("food = %d, want %d", got, cfg.Food)
	}
	if err := g.Join(1, "a"); err != nil {
		t.Fatal(err)
	}
	for tick := uint32(1); tick <= 3; tick++ {
		step(t, g, tick)
	}
	if sn := snakeOf(t, snap(t, g), 1); sn.Status != snake.Waiting {
		t.Errorf("status %d, want waiting: 6 scattered free cells hold no spawn spot", sn.Status)
	}
}
