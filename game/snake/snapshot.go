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
	if err := s.decode(b); err != nil {
		return fmt.Errorf("snake: decode snapshot: %w: %w", err, ErrBadSnapshot)
	}
	return nil
}

// minSnakeLen is the smallest encoding of a Snake: the array byte, eight
// one-byte integers and an empty bin8. It bounds the count a header may
// claim, so that garbage cannot make us allocate.
const minSnakeLen = 1 + 8 + 2

func (s *Snapshot) decode(b []byte) error {
	n, b, err := readArrayLen(b)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if n != 5 {
		return fmt.Errorf("snapshot has %d fields, want 5", n)
	}
	var v uint64
	if v, b, err = readUintMax(b, math.MaxUint32, "tick"); err != nil {
		return err
	}
	s.Tick = uint32(v)
	if v, b, err = readUintMax(b, MaxSide, "width"); err != nil {
		return err
	}
	s.Width = uint16(v)
	if v, b, err = readUintMax(b, MaxSide, "height"); err != nil {
		return err
	}
	s.Height = uint16(v)
	if s.Width < MinSide || s.Height < MinSide {
		return fmt.Errorf("board %dx%d smaller than %dx%d", s.Width, s.Height, MinSide, MinSide)
	}
	if n, b, err = readArrayLen(b); err != nil {
		return fmt.Errorf("snakes: %w", err)
	}
	if n > len(b)/minSnakeLen {
		return fmt.Errorf("snakes: %d claimed in %d bytes: %w", n, len(b), errShort)
	}
	if s.Snakes == nil {
		s.Snakes = []Snake{} // as the msgpack library decodes an empty array
	}
	if cap(s.Snakes) < n {
		s.Snakes = append(s.Snakes[:cap(s.Snakes)], make([]Snake, n-cap(s.Snakes))...)
	}
	s.Snakes = s.Snakes[:n]
	for i := range s.Snakes {
		sn := &s.Snakes[i]
		if b, err = s.decodeSnake(b, sn); err != nil {
			return fmt.Errorf("snake %d: %w", i, err)
		}
		if i > 0 && sn.Player <= s.Snakes[i-1].Player {
			return fmt.Errorf("snake %d: player %d after %d, want ascending", i, sn.Player, s.Snakes[i-1].Player)
		}
	}
	food, b, err := readBin(b)
	if err != nil {
		return fmt.Errorf("food: %w", err)
	}
	if len(food)%2 != 0 {
		return fmt.Errorf("food: odd length %d", len(food))
	}
	s.Food = appendBytes(s.Food, food)
	for i := range s.FoodCount() {
		if c := s.FoodCell(i); int(c) >= s.cells() {
			return fmt.Errorf("food %d: cell %d off the board", i, c)
		}
	}
	if len(b) != 0 {
		return fmt.Errorf("%d bytes after the snapshot", len(b))
	}
	return nil
}

func (s *Snapshot) decodeSnake(b []byte, sn *Snake) ([]byte, error) {
	n, b, err := readArrayLen(b)
	if err != nil {
		return b, err
	}
	if n != 9 {
		return b, fmt.Errorf("%d fields, want 9", n)
	}
	var v [8]uint64
	limits := [8]struct {
		max  uint64
		name string
	}{
		{math.MaxUint32, "player"}, {uint64(Dead), "status"},
		{math.MaxUint32, "score"}, {math.MaxUint32, "best"},
		{math.MaxUint16, "respawn-in"}, {uint64(s.cells() - 1), "head"},
		{uint64(Left), "dir"}, {uint64(s.cells()), "len"},
	}
	for i, l := range limits {
		if v[i], b, err = readUintMax(b, l.max, l.name); err != nil {
			return b, err
		}
	}
	body, b, err := readBin(b)
	if err != nil {
		return b, fmt.Errorf("body: %w", err)
	}
	*sn = Snake{
		Player: game.PlayerID(v[0]), Status: Status(v[1]),
		Score: uint32(v[2]), Best: uint32(v[3]), RespawnIn: uint16(v[4]),
		Head: uint16(v[5]), Dir: Direction(v[6]), Len: uint32(v[7]),
		Body: appendBytes(sn.Body, body),
	}
	if (sn.Status == Alive) != (sn.Len > 0) {
		return b, fmt.Errorf("status %d with length %d", sn.Status, sn.Len)
	}
	_, err = s.walk(nil, sn, false)
	return b, err
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
