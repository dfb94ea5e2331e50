package snake

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Board is a snapshot unpacked into a grid, for bots that look around their
// head. Load it again for each snapshot; it reuses its memory.
type Board struct {
	Width, Height int
	owner         []game.PlayerID
	food          []bool
	cells         []uint16 // scratch for unpacking bodies
}

// Load fills b from s.
func (b *Board) Load(s *Snapshot) error {
	b.Width, b.Height = int(s.Width), int(s.Height)
	n := b.Width * b.Height
	b.owner = resize(b.owner, n)
	b.food = resize(b.food, n)
	for i := range s.Snakes {
		sn := &s.Snakes[i]
		var err error
		if b.cells, err = s.AppendCells(b.cells[:0], sn); err != nil {
			return fmt.Errorf("snake: board: player %d: %w", sn.Player, err)
		}
		for _, c := range b.cells {
			b.owner[c] = sn.Player
		}
	}
	for i := range s.FoodCount() {
		c := int(s.FoodCell(i))
		if c >= n {
			return fmt.Errorf("snake: board: food cell %d off the board", c)
		}
		b.food[c] = true
	}
	return nil
}

// resize returns s with length n and every element zero.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func (b *Board) in(x, y int) bool {
	return x >= 0 && x < b.Width && y >= 0 && y < b.Height
}

// Owner returns the player whose snake covers (x, y), or 0 for a free cell
// or one off the board.
func (b *Board) Owner(x, y int) game.PlayerID {
	if !b.in(x, y) {
		return 0
	}
	return b.owner[y*b.Width+x]
}

// Free reports whether a head could enter (x, y) as far as the snapshot
// shows: on the board and not covered by a snake. Food is free.
func (b *Board) Free(x, y int) bool {
	return b.in(x, y) && b.owner[y*b.Width+x] == 0
}

// Food reports whether (x, y) holds food.
func (b *Board) Food(x, y int) bool {
	return b.in(x, y) && b.food[y*b.Width+x]
}
