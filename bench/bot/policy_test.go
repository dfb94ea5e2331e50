package bot_test

import (
	"testing"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/game/snake"
)

// open is a board with nothing on it.
type open struct{ looks int }

func (o *open) Free(x, y int) bool { o.looks++; return true }

// walls is a w x h board with no snake: only its edges block.
type walls struct{ w, h int }

func (b walls) Free(x, y int) bool { return x >= 0 && x < b.w && y >= 0 && y < b.h }

// blocked blocks the listed cells besides the walls.
type blocked struct {
	walls
	cells map[[2]int]bool
}

func (b blocked) Free(x, y int) bool { return b.walls.Free(x, y) && !b.cells[[2]int{x, y}] }

func TestPolicyTurnRate(t *testing.T) {
	t.Parallel()
	const ticks = 100000
	p := bot.NewPolicy(1)
	look := &open{}
	var left, right int
	for range ticks {
		d, turn := p.Decide(10, 10, snake.Up, look)
		switch {
		case !turn && d != snake.Up:
			t.Fatalf("straight returned %v, want up", d)
		case turn && d == snake.Left:
			left++
		case turn && d == snake.Right:
			right++
		case turn:
			t.Fatalf("turned %v from up", d)
		}
	}
	// The exact counts for seed 1 pin the generator and the draw: a change
	// of either shows here. The range is the sanity check (about 10 sigma).
	if left != 4990 || right != 5101 {
		t.Errorf("seed 1: %d left and %d right turns in %d ticks, want 4990 and 5101", left, right, ticks)
	}
	if turns := left + right; turns < 9000 || turns > 11000 {
		t.Errorf("%d turns in %d ticks, want about 10%%", turns, ticks)
	}
	if look.looks != left+right {
		t.Errorf("looked ahead %d times for %d turns: only a drawn turn should look", look.looks, left+right)
	}
}

func TestPolicyDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := bot.NewPolicy(42), bot.NewPolicy(42), bot.NewPolicy(43)
	same, differ := true, false
	for range 1000 {
		da, ta := a.Decide(5, 5, snake.Right, &open{})
		db, tb := b.Decide(5, 5, snake.Right, &open{})
		dc, tc := c.Decide(5, 5, snake.Right, &open{})
		same = same && da == db && ta == tb
		differ = differ || da != dc || ta != tc
	}
	if !same {
		t.Error("two policies with the same seed decided differently")
	}
	if !differ {
		t.Error("policies with different seeds decided alike for 1000 ticks")
	}
}

func TestPolicyAvoidsWall(t *testing.T) {
	t.Parallel()
	// Head in the top-right corner moving up: right (x+1) is off the board
	// and up (y-1) too; only left is free, so every drawn turn goes left.
	board := walls{64, 64}
	for seed := range uint64(50) {
		p := bot.NewPolicy(seed)
		for range 200 {
			d, turn := p.Decide(63, 0, snake.Up, board)
			if turn && d != snake.Left {
				t.Fatalf("seed %d: turned %v into the wall", seed, d)
			}
		}
	}
}

func TestPolicyFallsBackToStraight(t *testing.T) {
	t.Parallel()
	// Moving right along the top edge with a snake below the head: up is
	// the wall, down is taken, ahead is free. A drawn turn goes straight:
	// no input.
	board := blocked{walls{64, 64}, map[[2]int]bool{{10, 1}: true}}
	p := bot.NewPolicy(7)
	for range 500 {
		d, turn := p.Decide(10, 0, snake.Right, board)
		if turn || d != snake.Right {
			t.Fatalf("decided %v (turn %v), want straight right without an input", d, turn)
		}
	}
}

func TestPolicyNothingFree(t *testing.T) {
	t.Parallel()
	// Boxed in: the draw stands, a turn is still a turn.
	board := blocked{walls{64, 64}, map[[2]int]bool{{10, 9}: true, {11, 10}: true, {9, 10}: true}}
	p := bot.NewPolicy(3)
	turns := 0
	for range 500 {
		d, turn := p.Decide(10, 10, snake.Up, board)
		if turn {
			turns++
			if d != snake.Left && d != snake.Right {
				t.Fatalf("turned %v from up", d)
			}
		}
	}
	if turns == 0 {
		t.Error("no turn in 500 ticks")
	}
}
