package snake

import (
	"errors"
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Placed is a snake set up by hand for a test.
type Placed struct {
	ID game.PlayerID
	// Cells, head first, each adjacent to the previous.
	Cells [][2]int
	Dir   Direction
	// Grow: the snake ate on the previous tick, so its tail stays next tick.
	Grow        bool
	Score, Best uint32
}

// NewPlaced builds a game at tick 0 with exactly the given snakes and food
// (the random initial food is removed). With cfg.Food = 0 no food is ever
// added, so a test controls every item.
func NewPlaced(cfg Config, seed uint64, snakes []Placed, food [][2]int) (*Game, error) {
	g, err := New(cfg, game.Setup{Seed: seed})
	if err != nil {
		return nil, err
	}
	for _, c := range g.food {
		g.isFood[c] = false
	}
	g.food = g.food[:0]
	w, h := cfg.Width, cfg.Height
	cell := func(xy [2]int) (int, error) {
		if xy[0] < 0 || xy[0] >= w || xy[1] < 0 || xy[1] >= h {
			return 0, fmt.Errorf("cell %v off the board", xy)
		}
		return xy[1]*w + xy[0], nil
	}
	for _, s := range snakes {
		if err := g.Join(s.ID, ""); err != nil {
			return nil, err
		}
		i, _ := g.find(s.ID)
		pl := &g.players[i]
		for k := len(s.Cells) - 1; k >= 0; k-- {
			c, err := cell(s.Cells[k])
			if err != nil {
				return nil, err
			}
			if !g.free(c) {
				return nil, fmt.Errorf("snake %d: cell %v taken", s.ID, s.Cells[k])
			}
			if k+1 < len(s.Cells) {
				dx, dy := s.Cells[k][0]-s.Cells[k+1][0], s.Cells[k][1]-s.Cells[k+1][1]
				if dx*dx+dy*dy != 1 {
					return nil, fmt.Errorf("snake %d: %v not next to %v", s.ID, s.Cells[k], s.Cells[k+1])
				}
			}
			pl.body.pushHead(uint16(c))
			g.owner[c] = s.ID
			g.snakeCells++
		}
		pl.status, pl.spawned = Alive, true
		pl.dir, pl.grow, pl.score, pl.best = s.Dir, s.Grow, s.Score, max(s.Best, s.Score)
	}
	for _, xy := range food {
		c, err := cell(xy)
		if err != nil {
			return nil, err
		}
		if !g.free(c) {
			return nil, fmt.Errorf("food %v on a taken cell", xy)
		}
		g.isFood[c] = true
		g.food = append(g.food, uint16(c))
	}
	return g, nil
}

// Pending returns what a snapshot does not show: whether p's tail stays on
// the next tick and how many turns it has queued.
func Pending(g *Game, p game.PlayerID) (grow bool, queued int) {
	i, ok := g.find(p)
	if !ok {
		return false, 0
	}
	return g.players[i].grow, g.players[i].queued
}

// Look returns p's head and direction, for test bots that must not pay for
// decoding a snapshot inside a benchmark.
func Look(g *Game, p game.PlayerID) (x, y int, d Direction, alive bool) {
	i, ok := g.find(p)
	if !ok || g.players[i].status != Alive {
		return 0, 0, 0, false
	}
	pl := &g.players[i]
	c := int(pl.body.headCell())
	return c % g.cfg.Width, c / g.cfg.Width, pl.dir, true
}

// FreeAt reports a cell on the board that no snake covers.
func FreeAt(g *Game, x, y int) bool {
	w, h := g.cfg.Width, g.cfg.Height
	return x >= 0 && x < w && y >= 0 && y < h && g.owner[y*w+x] == 0
}

// FreeCells returns the cells with neither snake nor food.
func FreeCells(g *Game) int {
	n := 0
	for c := range g.owner {
		if g.free(c) {
			n++
		}
	}
	return n
}

// CheckInvariants checks the internal bookkeeping against the bodies: the
// owner grid, the food marks, the counters and the scratch left by Step.
// It leaves the food count to the caller: NewPlaced may exceed cfg.Food.
func CheckInvariants(g *Game) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	owner := make([]game.PlayerID, len(g.owner))
	cells := 0
	for i := range g.players {
		pl := &g.players[i]
		if i > 0 && pl.id <= g.players[i-1].id {
			fail("players not ascending: %d after %d", pl.id, g.players[i-1].id)
		}
		if pl.status != Alive {
			if pl.body.len() != 0 {
				fail("player %d: status %d with %d cells", pl.id, pl.status, pl.body.len())
			}
			if pl.queued != 0 {
				fail("player %d: status %d with %d queued turns", pl.id, pl.status, pl.queued)
			}
			if (pl.status == Dead) != (pl.respawnIn > 0) {
				fail("player %d: status %d with respawn in %d", pl.id, pl.status, pl.respawnIn)
			}
			continue
		}
		pending := 0
		if pl.grow {
			pending = 1
		}
		if got, want := pl.body.len(), 3+int(pl.score)-pending; got != want {
			fail("player %d: length %d, want 3+score(%d)-pending(%d) = %d", pl.id, got, pl.score, pending, want)
		}
		if pl.best < pl.score {
			fail("player %d: best %d < score %d", pl.id, pl.best, pl.score)
		}
		for k := range pl.body.len() {
			c := pl.body.at(k)
			if owner[c] != 0 {
				fail("cell %d covered by players %d and %d", c, owner[c], pl.id)
			}
			owner[c] = pl.id
			cells++
			if k > 0 {
				p := int(pl.body.at(k - 1))
				if d := int(c) - p; d != 1 && d != -1 && d != g.cfg.Width && d != -g.cfg.Width ||
					(d == 1 || d == -1) && p/g.cfg.Width != int(c)/g.cfg.Width {
					fail("player %d: cells %d and %d not adjacent", pl.id, p, c)
				}
			}
		}
	}
	for c := range owner {
		if owner[c] != g.owner[c] {
			fail("cell %d: owner %d, bodies say %d", c, g.owner[c], owner[c])
		}
		if g.nextHeads[c] != 0 {
			fail("cell %d: next-head count %d left after Step", c, g.nextHeads[c])
		}
	}
	if cells != g.snakeCells {
		fail("snake cells counted %d, bodies have %d", g.snakeCells, cells)
	}
	marks := 0
	for _, f := range g.isFood {
		if f {
			marks++
		}
	}
	if marks != len(g.food) {
		fail("%d food marks for %d food", marks, len(g.food))
	}
	for _, c := range g.food {
		if !g.isFood[c] {
			fail("food %d not marked", c)
		}
		if g.owner[c] != 0 {
			fail("food %d under player %d", c, g.owner[c])
		}
	}
	return errors.Join(errs...)
}

// ViewAround returns the view that a head at (x, y) gets.
func ViewAround(g *Game, x, y int) game.Rect { return g.viewAround(x, y) }
