package snake

import (
	"encoding/binary"

	"github.com/tickroom/tickroom/game"
)

var _ game.Viewer = (*Game)(nil)

// View returns the view of player p: the cells within Config.View/2 +
// Config.ViewMargin of its head in x and in y, widened to whole chunks of
// Config.ViewGrid cells (the head's chunk and as many chunks on each side
// as that reach needs) and clipped to the board. A view therefore depends
// only on the chunk the head is in, so players near each other share it,
// and it moves in chunk steps, not every tick.
//
// A dead player, or one waiting for a spawn spot after a death, keeps the
// view around where its snake died: a respawn countdown needs no more,
// and in a big room the whole board would cost far more than the view.
// View reports false (the whole board) when area of interest is off
// (Config.View is 0), for an unknown player, and for a player that has
// not had a snake yet, which lasts one tick unless the board is full.
func (g *Game) View(p game.PlayerID) (game.Rect, bool) {
	if g.cfg.View == 0 {
		return game.Rect{}, false
	}
	i, ok := g.find(p)
	if !ok {
		return game.Rect{}, false
	}
	pl := &g.players[i]
	var c int
	switch {
	case pl.status == Alive:
		c = int(pl.body.headCell())
	case pl.spawned:
		c = int(pl.deathCell)
	default:
		return game.Rect{}, false
	}
	return g.viewAround(c%g.cfg.Width, c/g.cfg.Width), true
}

// viewAround returns the view of a head at (x, y).
func (g *Game) viewAround(x, y int) game.Rect {
	grid := g.cfg.ViewGrid
	if grid == 0 {
		grid = DefaultViewGrid
	}
	reach := g.cfg.View/2 + g.cfg.ViewMargin
	// chunks on each side of the head's chunk: the head may sit anywhere in
	// its own, so ceil(reach/grid) more cover reach cells either way.
	side := (reach + grid - 1) / grid
	cx, cy := x/grid, y/grid
	return clip(game.Rect{
		X: (cx - side) * grid, Y: (cy - side) * grid,
		W: (2*side + 1) * grid, H: (2*side + 1) * grid,
	}, g.cfg.Width, g.cfg.Height)
}

// clip returns the part of r on a w x h board; the zero Rect when none is.
func clip(r game.Rect, w, h int) game.Rect {
	x0, x1, okX := clip1(r.X, r.W, w)
	y0, y1, okY := clip1(r.Y, r.H, h)
	if !okX || !okY {
		return game.Rect{}
	}
	return game.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// clip1 clips [x, x+n) to [0, size), minding that x+n may overflow.
func clip1(x, n, size int) (lo, hi int, ok bool) {
	if n <= 0 || x >= size {
		return 0, 0, false
	}
	n = min(n, size+max(-x, 0)) // past the board's far edge, n only overflows
	lo, hi = max(x, 0), min(x+n, size)
	return lo, hi, hi > lo
}

// AppendView appends the view snapshot of r, r clipped to the board: the
// snapshot format with only the snakes that have a cell in r (whole) and
// the food in r, in placement order, and r as a sixth element. A rect that
// misses the board gives an empty view, [0, 0, 0, 0]. Any rect works, so a
// spectator can follow any part of the board. It does not change the
// game's state; the first view after a change encodes every snake once
// into a cache the other views copy from (a big room sends a hundred
// views a tick, with the same snakes in many of them), and it allocates
// only when dst or that cache must grow.
func (g *Game) AppendView(dst []byte, r game.Rect) []byte {
	w := g.cfg.Width
	r = clip(r, w, g.cfg.Height)
	dst = appendArrayLen(dst, 6)
	dst = appendUint(dst, uint64(g.tick))
	dst = appendUint(dst, uint64(w))
	dst = appendUint(dst, uint64(g.cfg.Height))

	// Counts go before the snakes and the food but are known only after
	// testing them, so leave room for the largest header and close the gap.
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	n := 0
	enc := g.encodedSnakes()
	for i := range g.players {
		if pl := &g.players[i]; g.inView(pl, r) {
			dst = append(dst, enc.buf[enc.off[i]:enc.off[i+1]]...)
			n++
		}
	}
	dst = closeGap(dst, at, appendArrayLen(make([]byte, 0, 5), n))

	at = len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	for _, c := range g.food {
		if x, y := g.xy(c); inRect(x, y, r) {
			dst = binary.BigEndian.AppendUint16(dst, c)
		}
	}
	dst = closeGap(dst, at, appendBinLen(make([]byte, 0, 5), len(dst)-at-5))
	return appendRect(dst, r)
}

// snakeCache is every player's snake as appendSnake encodes it, for the
// state of generation gen: player i's bytes are buf[off[i]:off[i+1]].
type snakeCache struct {
	gen   uint64
	valid bool
	buf   []byte
	off   []int
}

// encodedSnakes returns the cache, filled for the current state.
func (g *Game) encodedSnakes() *snakeCache {
	c := &g.snakes
	if c.valid && c.gen == g.gen {
		return c
	}
	c.buf, c.off = c.buf[:0], append(c.off[:0], 0)
	for i := range g.players {
		c.buf = g.appendSnake(c.buf, &g.players[i])
		c.off = append(c.off, len(c.buf))
	}
	c.gen, c.valid = g.gen, true
	return c
}

// closeGap writes hdr over the 5 bytes reserved at dst[at:] and moves what
// follows them back to end the header.
func closeGap(dst []byte, at int, hdr []byte) []byte {
	copy(dst[at:], hdr)
	return append(dst[:at+len(hdr)], dst[at+5:]...)
}

func inRect(x, y int, r game.Rect) bool {
	// One unsigned compare per axis: x < r.X wraps around to a large value.
	return uint(x-r.X) < uint(r.W) && uint(y-r.Y) < uint(r.H)
}

// xy splits cell c into x and y. For c < 2^16 and a width up to 2^8 the
// multiply by rowMul errs by less than 2^-16, under the 1/Width that
// would change the quotient, so y is exact.
func (g *Game) xy(c uint16) (x, y int) {
	y = int(uint64(c) * g.rowMul >> 32)
	return int(c) - y*g.cfg.Width, y
}

// inView reports whether a cell of pl's snake is in r.
func (g *Game) inView(pl *player, r game.Rect) bool {
	n := pl.body.len()
	if pl.status != Alive || n == 0 || r.W == 0 {
		return false
	}
	x, y := g.xy(pl.body.headCell())
	// Every cell is within n-1 steps of the head, so a snake whose head
	// is farther than that from r is out without walking its body: most
	// snakes of a big room, for any one view.
	dx := max(r.X-x, x-(r.X+r.W-1), 0)
	dy := max(r.Y-y, y-(r.Y+r.H-1), 0)
	if max(dx, dy) > n-1 {
		return false
	}
	for k := range n {
		if x, y := g.xy(pl.body.at(k)); inRect(x, y, r) {
			return true
		}
	}
	return false
}
