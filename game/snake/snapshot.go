package snake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tickroom/tickroom/game"
)

// ErrBadSnapshot marks bytes that are not a valid snapshot.
var ErrBadSnapshot = errors.New("bad snapshot")

// Snapshot is the state a client needs to draw the board and the scores,
// as decoded from Game.AppendSnapshot. The package documentation describes
// its wire format.
type Snapshot struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	// Tick is the tick of the last Step, 0 before the first.
	Tick   uint32
	Width  uint16
	Height uint16
	// Snakes has one entry per player, in ascending player id, including
	// players without a snake on the board.
	Snakes []Snake
	// Food is the food cells, two bytes each, big-endian y*Width+x. Use
	// FoodCell or AppendFood to read it.
	Food []byte
	// View is the part of the board that a view snapshot (Game.AppendView)
	// holds: only the snakes with a cell in it and the food in it. It is nil
	// for a full snapshot. It is not a field of the msgpack array that the
	// library maps by reflection, which therefore decodes full snapshots
	// only; Decode reads both.
	View *game.Rect `msgpack:"-"`
}

// Area returns the part of the board that s holds: View, or the whole board.
func (s *Snapshot) Area() game.Rect {
	if s.View != nil {
		return *s.View
	}
	return game.Rect{W: int(s.Width), H: int(s.Height)}
}

// Snake is one player's entry in a Snapshot.
type Snake struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	Player   game.PlayerID
	Status   Status
	// Score is the food eaten by the current (or last) snake; Best is the
	// highest Score since the player joined.
	Score uint32
	Best  uint32
	// RespawnIn is the number of ticks left before a Dead player's new
	// snake is due.
	RespawnIn uint16
	// Head, Dir, Len and Body describe a living snake and are zero otherwise.
	// Head is the head cell y*Width+x and Dir where it last moved.
	Head uint16
	Dir  Direction
	// Len is the number of cells; Body holds the Len-1 moves from the head
	// to the tail, 2 bits each. Use AppendCells to unpack them.
	Len  uint32
	Body []byte
}

// AppendSnapshot appends the msgpack encoding of the current state to dst.
// It allocates only when dst must grow.
func (g *Game) AppendSnapshot(dst []byte) []byte {
	dst = appendArrayLen(dst, 5)
	dst = appendUint(dst, uint64(g.tick))
	dst = appendUint(dst, uint64(g.cfg.Width))
	dst = appendUint(dst, uint64(g.cfg.Height))
	dst = appendArrayLen(dst, len(g.players))
	for i := range g.players {
		dst = g.appendSnake(dst, &g.players[i])
	}
	dst = appendBinLen(dst, 2*len(g.food))
	for _, c := range g.food {
		dst = binary.BigEndian.AppendUint16(dst, c)
	}
	return dst
}

func (g *Game) appendSnake(dst []byte, pl *player) []byte {
	dst = appendArrayLen(dst, 9)
	dst = appendUint(dst, uint64(pl.id))
	dst = appendUint(dst, uint64(pl.status))
	dst = appendUint(dst, uint64(pl.score))
	dst = appendUint(dst, uint64(pl.best))
	respawnIn := 0
	if pl.status == Dead {
		respawnIn = pl.respawnIn
	}
	dst = appendUint(dst, uint64(respawnIn))
	n := pl.body.len()
	if pl.status != Alive || n == 0 {
		dst = append(dst, 0, 0, 0) // head, dir, len
		return appendBinLen(dst, 0)
	}
	dst = appendUint(dst, uint64(pl.body.headCell()))
	dst = appendUint(dst, uint64(pl.dir))
	dst = appendUint(dst, uint64(n))
	dst = appendBinLen(dst, packedLen(n))
	w := int(g.cfg.Width)
	var b byte
	prev := int(pl.body.headCell())
	for k := range n - 1 {
		c := int(pl.body.at(k + 1))
		b |= byte(moveBetween(prev, c, w)) << (2 * (k & 3))
		if k&3 == 3 {
			dst = append(dst, b)
			b = 0
		}
		prev = c
	}
	if (n-1)&3 != 0 {
		dst = append(dst, b)
	}
	return dst
}

// appendSnakeValue encodes a decoded Snake as appendSnake encodes a
// player, for Delta and Patch, which work on decoded snapshots.
func appendSnakeValue(dst []byte, sn *Snake) []byte {
	dst = appendArrayLen(dst, 9)
	dst = appendUint(dst, uint64(sn.Player))
	dst = appendUint(dst, uint64(sn.Status))
	dst = appendUint(dst, uint64(sn.Score))
	dst = appendUint(dst, uint64(sn.Best))
	dst = appendUint(dst, uint64(sn.RespawnIn))
	dst = appendUint(dst, uint64(sn.Head))
	dst = appendUint(dst, uint64(sn.Dir))
	dst = appendUint(dst, uint64(sn.Len))
	dst = appendBinLen(dst, len(sn.Body))
	return append(dst, sn.Body...)
}

// appendRect encodes a view rect as [x, y, w, h].
func appendRect(dst []byte, r game.Rect) []byte {
	dst = appendArrayLen(dst, 4)
	dst = appendUint(dst, uint64(r.X))
	dst = appendUint(dst, uint64(r.Y))
	dst = appendUint(dst, uint64(r.W))
	return appendUint(dst, uint64(r.H))
}

// packedLen is the bytes that the n-1 moves of an n-cell snake take.
func packedLen(n int) int {
	if n <= 1 {
		return 0
	}
	return (n - 1 + 3) / 4
}

// moveBetween returns the direction from cell a to the adjacent cell b.
func moveBetween(a, b, w int) Direction {
	switch b - a {
	case -w:
		return Up
	case 1:
		return Right
	case w:
		return Down
	default:
		return Left
	}
}

// DecodeSnapshot decodes and validates a snapshot. Errors wrap
// ErrBadSnapshot.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	s := new(Snapshot)
	if err := s.Decode(b); err != nil {
		return nil, err
	}
	return s, nil
}

// Decode decodes and validates a snapshot into s, reusing its memory; a
// client that decodes every tick allocates only while the board grows. It
// keeps no reference to b. Errors wrap ErrBadSnapshot.
func (s *Snapshot) Decode(b []byte) error {
	if err := s.decode(b, 0); err != nil {
		return fmt.Errorf("snake: decode snapshot: %w: %w", err, ErrBadSnapshot)
	}
	return nil
}

// decodeOpts adjust Snapshot.decode for Delta and Patch.
type decodeOpts uint8

const (
	// skipWalk checks only that each body has the right length, not that
	// it stays on the board: Delta compares bodies bit by bit and never
	// follows them, and walking every body of a big room costs more than
	// the rest of the decoding.
	skipWalk decodeOpts = 1 << iota
	// canonical accepts only the encoding that AppendSnapshot and
	// AppendView write (smallest integers and headers, zero padding bits),
	// so that encoding the decoded value again gives the same bytes. Patch
	// relies on that to rebuild a snapshot byte for byte. It implies
	// zeroPadding.
	canonical
	// zeroPadding rejects a body whose unused high bits are not 0.
	zeroPadding
)

// minSnakeLen is the smallest encoding of a Snake: the array byte, eight
// one-byte integers and an empty bin8. It bounds the count a header may
// claim, so that garbage cannot make us allocate.
const minSnakeLen = 1 + 8 + 2

func (s *Snapshot) decode(b []byte, opts decodeOpts) error {
	r := reader{b: b, canonical: opts&canonical != 0}
	n, err := r.arrayLen()
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if n != 5 && n != 6 {
		return fmt.Errorf("snapshot has %d fields, want 5 or 6", n)
	}
	v, err := r.uintMax(math.MaxUint32, "tick")
	if err != nil {
		return err
	}
	s.Tick = uint32(v)
	if v, err = r.uintMax(MaxSide, "width"); err != nil {
		return err
	}
	s.Width = uint16(v)
	if v, err = r.uintMax(MaxSide, "height"); err != nil {
		return err
	}
	s.Height = uint16(v)
	if s.Width < MinSide || s.Height < MinSide {
		return fmt.Errorf("board %dx%d smaller than %dx%d", s.Width, s.Height, MinSide, MinSide)
	}
	count, err := r.arrayLen()
	if err != nil {
		return fmt.Errorf("snakes: %w", err)
	}
	if count > len(r.b)/minSnakeLen {
		return fmt.Errorf("snakes: %d claimed in %d bytes: %w", count, len(r.b), errShort)
	}
	if s.Snakes == nil {
		s.Snakes = []Snake{} // as the msgpack library decodes an empty array
	}
	if cap(s.Snakes) < count {
		s.Snakes = append(s.Snakes[:cap(s.Snakes)], make([]Snake, count-cap(s.Snakes))...)
	}
	s.Snakes = s.Snakes[:count]
	for i := range s.Snakes {
		sn := &s.Snakes[i]
		if err := s.decodeSnake(&r, sn, opts); err != nil {
			return fmt.Errorf("snake %d: %w", i, err)
		}
		if i > 0 && sn.Player <= s.Snakes[i-1].Player {
			return fmt.Errorf("snake %d: player %d after %d, want ascending", i, sn.Player, s.Snakes[i-1].Player)
		}
	}
	food, err := r.bin()
	if err != nil {
		return fmt.Errorf("food: %w", err)
	}
	if err := s.checkFood(food); err != nil {
		return err
	}
	s.Food = appendBytes(s.Food, food)
	if n == 6 {
		if s.View == nil {
			s.View = new(game.Rect)
		}
		if *s.View, err = s.decodeView(&r); err != nil {
			return fmt.Errorf("view: %w", err)
		}
	} else {
		s.View = nil
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%d bytes after the snapshot", len(r.b))
	}
	return nil
}

// checkFood checks food cells, two bytes each, against the board.
func (s *Snapshot) checkFood(food []byte) error {
	if len(food)%2 != 0 {
		return fmt.Errorf("food: odd length %d", len(food))
	}
	cells := s.cells()
	for i := 0; i < len(food); i += 2 {
		if c := int(binary.BigEndian.Uint16(food[i:])); c >= cells {
			return fmt.Errorf("food %d: cell %d off the board", i/2, c)
		}
	}
	return nil
}

// decodeView reads a view rect, [x, y, w, h]: inside the board, and either
// non-empty or all zero (a view that missed the board).
func (s *Snapshot) decodeView(r *reader) (game.Rect, error) {
	n, err := r.arrayLen()
	if err != nil {
		return game.Rect{}, err
	}
	if n != 4 {
		return game.Rect{}, fmt.Errorf("%d fields, want 4", n)
	}
	var v [4]uint64
	for i, name := range [4]string{"x", "y", "w", "h"} {
		limit := uint64(s.Width)
		if i%2 == 1 {
			limit = uint64(s.Height)
		}
		if v[i], err = r.uintMax(limit, name); err != nil {
			return game.Rect{}, err
		}
	}
	rc := game.Rect{X: int(v[0]), Y: int(v[1]), W: int(v[2]), H: int(v[3])}
	if rc.X+rc.W > int(s.Width) || rc.Y+rc.H > int(s.Height) {
		return game.Rect{}, fmt.Errorf("%+v not inside the %dx%d board", rc, s.Width, s.Height)
	}
	if (rc.W == 0 || rc.H == 0) && rc != (game.Rect{}) {
		return game.Rect{}, fmt.Errorf("empty %+v not at 0,0", rc)
	}
	return rc, nil
}

// snakeLimits are the largest values of the integer fields of a Snake, in
// wire order, on a board of the given number of cells.
func snakeLimits(cells int) [8]uint64 {
	return [8]uint64{
		math.MaxUint32, uint64(Dead), math.MaxUint32, math.MaxUint32,
		math.MaxUint16, uint64(cells - 1), uint64(Left), uint64(cells),
	}
}

var snakeFieldNames = [8]string{"player", "status", "score", "best", "respawn-in", "head", "dir", "len"}

func (s *Snapshot) decodeSnake(r *reader, sn *Snake, opts decodeOpts) error {
	// Most fields of most snakes are one-byte fixints: reading those inline
	// halves the cost of decoding a big room, which Delta does twice.
	b := r.b
	if len(b) > 0 && b[0] == mpFixArray|9 {
		b = b[1:]
	} else {
		n, err := r.arrayLen()
		if err != nil {
			return err
		}
		if n != 9 {
			return fmt.Errorf("%d fields, want 9", n)
		}
		b = r.b
	}
	var v [8]uint64
	for i := range v {
		if len(b) > 0 && b[0] < 0x80 {
			v[i], b = uint64(b[0]), b[1:]
			continue
		}
		r.b = b
		x, err := r.uintMax(math.MaxUint64, snakeFieldNames[i])
		if err != nil {
			return err
		}
		v[i], b = x, r.b
	}
	r.b = b
	limits := snakeLimits(s.cells())
	for i, l := range limits {
		if v[i] > l {
			return fmt.Errorf("%s: %d exceeds %d", snakeFieldNames[i], v[i], l)
		}
	}
	body, err := r.bin()
	if err != nil {
		return fmt.Errorf("body: %w", err)
	}
	sn.Player, sn.Status = game.PlayerID(v[0]), Status(v[1])
	sn.Score, sn.Best, sn.RespawnIn = uint32(v[2]), uint32(v[3]), uint16(v[4])
	sn.Head, sn.Dir, sn.Len = uint16(v[5]), Direction(v[6]), uint32(v[7])
	sn.Body = appendBytes(sn.Body, body)
	return s.checkSnake(sn, opts)
}

// checkSnake checks what the fields of sn say about each other and, unless
// opts has skipWalk, that the body stays on the board.
func (s *Snapshot) checkSnake(sn *Snake, opts decodeOpts) error {
	if (sn.Status == Alive) != (sn.Len > 0) {
		return fmt.Errorf("status %d with length %d", sn.Status, sn.Len)
	}
	if want := packedLen(int(sn.Len)); len(sn.Body) != want {
		return fmt.Errorf("body of %d bytes for length %d, want %d", len(sn.Body), sn.Len, want)
	}
	if opts&(canonical|zeroPadding) != 0 && sn.Len > 1 {
		if pad := (sn.Len - 1) % 4; pad != 0 && sn.Body[len(sn.Body)-1]>>(2*pad) != 0 {
			return fmt.Errorf("body has padding bits set")
		}
	}
	if opts&skipWalk != 0 {
		return nil
	}
	_, err := s.walk(nil, sn, false)
	return err
}

// appendBytes copies src over dst's memory and, unlike append, never
// returns nil, so that an empty bin decodes as the msgpack library does.
func appendBytes(dst, src []byte) []byte {
	if dst == nil {
		dst = []byte{}
	}
	return append(dst[:0], src...)
}

func (s *Snapshot) cells() int { return int(s.Width) * int(s.Height) }

// AppendCells appends the cells of sn, head first, as y*Width+x, to dst.
// It fails when the body is not Len-1 packed moves that stay on the board,
// which Decode has already checked.
func (s *Snapshot) AppendCells(dst []uint16, sn *Snake) ([]uint16, error) {
	return s.walk(dst, sn, true)
}

// walk follows the packed moves of sn from its head, appending each cell
// when keep is set.
func (s *Snapshot) walk(dst []uint16, sn *Snake, keep bool) ([]uint16, error) {
	if sn.Len == 0 {
		return dst, nil
	}
	if want := packedLen(int(sn.Len)); len(sn.Body) != want {
		return dst, fmt.Errorf("body of %d bytes for length %d, want %d", len(sn.Body), sn.Len, want)
	}
	w, h := int(s.Width), int(s.Height)
	if int(sn.Head) >= w*h {
		return dst, fmt.Errorf("head %d off the %dx%d board", sn.Head, w, h)
	}
	x, y := int(sn.Head)%w, int(sn.Head)/w
	if keep {
		dst = append(dst, sn.Head)
	}
	for k := range int(sn.Len) - 1 {
		dx, dy := Direction(sn.Body[k>>2] >> (2 * (k & 3)) & 3).Delta()
		x, y = x+dx, y+dy
		if x < 0 || x >= w || y < 0 || y >= h {
			return dst, fmt.Errorf("cell %d of the body off the %dx%d board", k+1, w, h)
		}
		if keep {
			dst = append(dst, uint16(y*w+x))
		}
	}
	return dst, nil
}

// AppendFood appends the food cells, y*Width+x, to dst.
func (s *Snapshot) AppendFood(dst []uint16) []uint16 {
	for i := range s.FoodCount() {
		dst = append(dst, s.FoodCell(i))
	}
	return dst
}

// FoodCount returns the number of food items.
func (s *Snapshot) FoodCount() int { return len(s.Food) / 2 }

// FoodCell returns the cell y*Width+x of food item i.
func (s *Snapshot) FoodCell(i int) uint16 {
	return binary.BigEndian.Uint16(s.Food[2*i:])
}
