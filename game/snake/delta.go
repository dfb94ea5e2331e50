package snake

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"sync"

	"github.com/tickroom/tickroom/game"
)

// Errors of Delta and Patch, wrapped with detail.
var (
	// ErrBadDelta marks bytes that are not a valid delta, or a delta whose
	// changes do not apply to its base (a player it changes is not there).
	ErrBadDelta = errors.New("bad delta")
	// ErrWrongBase marks a delta that was taken from another snapshot than
	// the base it is applied to: its base tick or checksum differ.
	ErrWrongBase = errors.New("delta taken from another base")
)

// Bits of the mask of a changed-snake entry; the entry carries the new
// values of the fields whose bit is set, in bit order. The order is that of
// a snake's wire fields but for dir, which comes last: it changes least
// often, and a mask below 128 takes one byte.
const (
	fStatus = 1 << iota
	fScore
	fBest
	fRespawnIn
	fHead
	fLen
	fBody
	fDir
)

// entryLimits returns the largest value of each integer field of an entry,
// by bit; body, a bin, has none.
func entryLimits(cells int) [8]uint64 {
	return [8]uint64{uint64(Dead), math.MaxUint32, math.MaxUint32, math.MaxUint16,
		uint64(cells - 1), uint64(cells), 0, uint64(Left)}
}

var entryNames = [8]string{"status", "score", "best", "respawn-in", "head", "len", "body", "dir"}

// deltaFields is the length of the top-level delta array.
const deltaFields = 10

// scratch is the working memory of one Delta or Patch call. Rooms call
// Delta from many connection goroutines at once, so each call takes its
// own from a pool; steady use then allocates nothing.
type scratch struct {
	base, cur Snapshot

	// Delta: sections written before their counts are known.
	gone, added, changed, food []byte
	moves                      bitWriter
	pos                        []int32 // index+1 in cur's food, by cell; zero between calls
	kept, foodGone             []int32

	// Patch: the parsed delta.
	parsed  parsed
	goneIDs []game.PlayerID
	addeds  []Snake
	changes []change
	foodAt  []int32
	body    []byte
}

// change is one entry of a delta's changed list.
type change struct {
	player game.PlayerID
	mask   uint
	v      [8]uint64 // by bit; v[6] (body) unused
	body   []byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Delta appends to dst the change from snapshot base to snapshot cur, both
// encoded by Game.AppendSnapshot or Game.AppendView of the same game, such
// that Patch(base, delta) gives cur byte for byte. The package
// documentation describes the format. Any two snapshots of one board work
// (any ticks apart, full or view, any rects); the delta is small when cur
// is a few ticks after base. It fails on bytes that are not a snapshot
// (wrapping ErrBadSnapshot), on cur not encoded as this package encodes,
// and on boards of different sizes. It is a pure function, safe for
// concurrent use, and allocates nothing once its pooled scratch has grown.
func Delta(dst, base, cur []byte) ([]byte, error) {
	sc := scratchPool.Get().(*scratch)
	out, err := sc.delta(dst, base, cur)
	scratchPool.Put(sc)
	if err != nil {
		return dst, fmt.Errorf("snake: delta: %w", err)
	}
	return out, nil
}

func (sc *scratch) delta(dst, base, cur []byte) ([]byte, error) {
	b, c := &sc.base, &sc.cur
	// Patch refuses a base with dirty padding (see there), so Delta does too.
	if err := b.decode(base, skipWalk|zeroPadding); err != nil {
		return nil, fmt.Errorf("base: %w: %w", err, ErrBadSnapshot)
	}
	// Patch rebuilds cur from decoded values, so cur must be in the one
	// encoding that re-encoding gives.
	if err := c.decode(cur, skipWalk|canonical); err != nil {
		return nil, fmt.Errorf("cur: %w: %w", err, ErrBadSnapshot)
	}
	if b.Width != c.Width || b.Height != c.Height {
		return nil, fmt.Errorf("base board is %dx%d, cur %dx%d", b.Width, b.Height, c.Width, c.Height)
	}
	// Every living snake moves one cell a tick, so a snake that lived
	// through the whole interval has this many new leading moves.
	var steps uint64
	if c.Tick >= b.Tick {
		steps = uint64(c.Tick - b.Tick)
	}
	sc.gone, sc.added, sc.changed = sc.gone[:0], sc.added[:0], sc.changed[:0]
	sc.moves = bitWriter{buf: sc.moves.buf[:0]}
	var nGone, nAdded, nChanged int
	i, j := 0, 0
	for i < len(b.Snakes) || j < len(c.Snakes) {
		switch {
		case j == len(c.Snakes) || i < len(b.Snakes) && b.Snakes[i].Player < c.Snakes[j].Player:
			sc.gone = appendUint(sc.gone, uint64(b.Snakes[i].Player))
			nGone++
			i++
		case i == len(b.Snakes) || c.Snakes[j].Player < b.Snakes[i].Player:
			sc.added = appendSnakeValue(sc.added, &c.Snakes[j])
			nAdded++
			j++
		default:
			if sc.diffSnake(b, &b.Snakes[i], &c.Snakes[j], steps) {
				nChanged++
			}
			i++
			j++
		}
	}
	dst = appendArrayLen(dst, deltaFields)
	dst = appendUint(dst, uint64(b.Tick))
	dst = appendUint(dst, uint64(crc32.ChecksumIEEE(base)))
	dst = appendUint(dst, uint64(c.Tick))
	switch {
	case c.View == nil && b.View == nil, c.View != nil && b.View != nil && *c.View == *b.View:
		dst = append(dst, mpNil)
	case c.View == nil:
		dst = appendArrayLen(dst, 0)
	default:
		dst = appendRect(dst, *c.View)
	}
	dst = append(appendArrayLen(dst, nGone), sc.gone...)
	dst = append(appendArrayLen(dst, nAdded), sc.added...)
	dst = append(appendArrayLen(dst, nChanged), sc.changed...)
	dst = appendUint(dst, steps)
	moves := sc.moves.flush()
	dst = append(appendBinLen(dst, len(moves)), moves...)
	return sc.appendFoodDelta(dst, c.cells(), b.Food, c.Food), nil
}

// diffSnake appends to sc.changed the entry that turns bs into cs, if they
// differ, and to sc.moves the new moves of a snake that lived through.
func (sc *scratch) diffSnake(s *Snapshot, bs, cs *Snake, steps uint64) bool {
	var mask uint
	if bs.Status != cs.Status {
		mask |= fStatus
	}
	if bs.Score != cs.Score {
		mask |= fScore
	}
	if bs.Best != cs.Best {
		mask |= fBest
	}
	if bs.RespawnIn != cs.RespawnIn {
		mask |= fRespawnIn
	}
	if bs.Len != cs.Len {
		mask |= fLen
	}
	if bs.Status == Alive && cs.Status == Alive && sc.livedThrough(s, bs, cs, steps) {
		// Patch takes the head from the moves and, unless told otherwise,
		// the direction from the first of them.
		dir := bs.Dir
		if steps > 0 {
			dir = moveAt(cs.Body, 0).Reverse()
		}
		if dir != cs.Dir {
			mask |= fDir
		}
	} else {
		if bs.Head != cs.Head {
			mask |= fHead
		}
		if bs.Dir != cs.Dir {
			mask |= fDir
		}
		// A snake alive in both that did not live through must say so
		// with its body, or Patch would take it for one that did.
		if bs.Status == Alive && cs.Status == Alive || !bytes.Equal(bs.Body, cs.Body) {
			mask |= fBody
		}
	}
	if mask == 0 {
		return false
	}
	sc.changed = appendChange(sc.changed, cs, mask)
	return true
}

// livedThrough decides whether Patch can make cs out of bs and steps new
// moves, and if so appends those moves to sc.moves. The moves are cs's
// body from its head and then, if cs is shorter than steps, a path from
// its tail to bs's head: Patch finds the head by walking them back from
// bs's head, so they must end there.
func (sc *scratch) livedThrough(s *Snapshot, bs, cs *Snake, steps uint64) bool {
	if uint64(cs.Len) > steps {
		// The cells of cs from the steps-th on must be bs's leading cells,
		// head included: then cs is bs's new moves, then its body, cut.
		kept := uint64(cs.Len) - 1 - steps
		if kept > uint64(bs.Len)-1 || !bitsEqual(cs.Body, 2*steps, bs.Body, 0, 2*kept) {
			return false
		}
		head, ok := deriveHead(int(s.Width), int(s.Height), bs.Head, cs.Body, 0, steps)
		if !ok || head != cs.Head {
			return false
		}
		sc.moves.copyBits(cs.Body, 0, 2*steps)
		return true
	}
	// cs is younger than the interval: none of its cells need be bs's,
	// and the cells between its tail and bs's head are in neither
	// snapshot. Any path of the right length will do, as long as it costs
	// less than sending cs whole. (A snake has at least 3 cells; that it
	// has a body at all keeps the first move, and so dir, its own.)
	if cs.Len < 2 {
		return false
	}
	if whole := uintLen(uint64(cs.Head)) + binHeaderLen(len(cs.Body)) + len(cs.Body); steps >= 4*uint64(whole) {
		return false
	}
	w, h := int(s.Width), int(s.Height)
	x, y := int(cs.Head)%w, int(cs.Head)/w
	for k := range uint64(cs.Len) - 1 {
		dx, dy := moveAt(cs.Body, k).Delta()
		if x, y = x+dx, y+dy; x < 0 || x >= w || y < 0 || y >= h {
			return false // not a real snake; let Patch see it whole
		}
	}
	hx, hy := int(bs.Head)%w, int(bs.Head)/w
	dx, dy := hx-x, hy-y
	walk := uint64(abs(dx) + abs(dy))
	path := steps - (uint64(cs.Len) - 1)
	if walk > path || (path-walk)%2 != 0 {
		return false
	}
	sc.moves.copyBits(cs.Body, 0, 2*(uint64(cs.Len)-1))
	// Spare steps go out and back from the tail, away from the edge.
	out := Up
	if y == 0 {
		out = Down
	}
	for range (path - walk) / 2 {
		sc.moves.put(uint64(out), 2)
		sc.moves.put(uint64(out.Reverse()), 2)
	}
	// Then straight across and straight down or up, inside the rectangle
	// of the tail and the old head, so on the board.
	for ; dx != 0; dx -= sign(dx) {
		sc.moves.put(uint64(pathMove(dx, 0)), 2)
	}
	for ; dy != 0; dy -= sign(dy) {
		sc.moves.put(uint64(pathMove(0, dy)), 2)
	}
	return true
}

// pathMove is the move towards (dx, dy), x first.
func pathMove(dx, dy int) Direction {
	switch {
	case dx > 0:
		return Right
	case dx < 0:
		return Left
	case dy > 0:
		return Down
	default:
		return Up
	}
}

func abs(v int) int { return max(v, -v) }

func sign(v int) int {
	if v < 0 {
		return -1
	}
	return 1
}

// deriveHead returns the head that the steps moves of the stream moves,
// from bit off, lead back to from the old head: the cell they start from.
// It fails when a cell on the way is off the board.
func deriveHead(w, h int, old uint16, moves []byte, off, steps uint64) (uint16, bool) {
	x, y := int(old)%w, int(old)/w
	for k := steps; k > 0; k-- {
		dx, dy := Direction(bitsAt(moves, off+2*(k-1), 2)).Delta()
		x, y = x-dx, y-dy
		if x < 0 || x >= w || y < 0 || y >= h {
			return 0, false
		}
	}
	return uint16(y*w + x), true
}

// appendChange appends the changed-snake entry [player, mask, values...]
// that carries the fields of sn named by mask.
func appendChange(dst []byte, sn *Snake, mask uint) []byte {
	dst = appendArrayLen(dst, 2+bits.OnesCount(mask))
	dst = appendUint(dst, uint64(sn.Player))
	dst = appendUint(dst, uint64(mask))
	v := [8]uint64{
		uint64(sn.Status), uint64(sn.Score), uint64(sn.Best), uint64(sn.RespawnIn),
		uint64(sn.Head), uint64(sn.Len), 0, uint64(sn.Dir),
	}
	for k, x := range v {
		switch {
		case mask&(1<<k) == 0:
		case 1<<k == fBody:
			dst = append(appendBinLen(dst, len(sn.Body)), sn.Body...)
		default:
			dst = appendUint(dst, x)
		}
	}
	return dst
}

// appendFoodDelta appends the food element: nil when the food is the
// same, else the edit [gone, at, cells] or, when that is not smaller, the
// whole new list.
func (sc *scratch) appendFoodDelta(dst []byte, cells int, bf, cf []byte) []byte {
	if bytes.Equal(bf, cf) {
		return append(dst, mpNil)
	}
	sc.food = sc.diffFood(sc.food[:0], cells, bf, cf)
	if len(sc.food) >= binHeaderLen(len(cf))+len(cf) {
		return append(appendBinLen(dst, len(cf)), cf...)
	}
	return append(dst, sc.food...)
}

// diffFood appends [gone, at, cells]: the base items to remove and the
// cur positions to insert cells at. Food is a list whose order matters
// (eating moves the last item into the eaten one's place), so the edit
// keeps a run of base items that appear in cur in the same order (chosen
// greedily, which keeps everything but the moved item in the usual cases)
// and says where the rest of cur goes.
func (sc *scratch) diffFood(dst []byte, cells int, bf, cf []byte) []byte {
	if len(sc.pos) < cells {
		sc.pos = make([]int32, cells)
	}
	nb, nc := len(bf)/2, len(cf)/2
	for j := nc - 1; j >= 0; j-- { // backwards, so a duplicate maps to its first place
		sc.pos[binary.BigEndian.Uint16(cf[2*j:])] = int32(j + 1)
	}
	sc.kept, sc.foodGone = sc.kept[:0], sc.foodGone[:0]
	last := int32(-1)
	for i := range nb {
		if p := sc.pos[binary.BigEndian.Uint16(bf[2*i:])] - 1; p > last {
			sc.kept = append(sc.kept, p)
			last = p
		} else {
			sc.foodGone = append(sc.foodGone, int32(i))
		}
	}
	for j := range nc {
		sc.pos[binary.BigEndian.Uint16(cf[2*j:])] = 0
	}
	dst = appendArrayLen(dst, 3)
	dst = appendArrayLen(dst, len(sc.foodGone))
	for _, i := range sc.foodGone {
		dst = appendUint(dst, uint64(i))
	}
	nAt := nc - len(sc.kept)
	dst = appendArrayLen(dst, nAt)
	k := 0
	for j := range nc {
		if k < len(sc.kept) && sc.kept[k] == int32(j) {
			k++
			continue
		}
		dst = appendUint(dst, uint64(j))
	}
	dst = appendBinLen(dst, 2*nAt)
	k = 0
	for j := range nc {
		if k < len(sc.kept) && sc.kept[k] == int32(j) {
			k++
			continue
		}
		dst = append(dst, cf[2*j], cf[2*j+1])
	}
	return dst
}
