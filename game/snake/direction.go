package snake

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// Direction is where a snake's head goes. Its values are the input payload
// and the 2-bit moves of the snapshot's packed bodies.
type Direction uint8

// Directions, clockwise from up.
const (
	Up Direction = iota
	Right
	Down
	Left
)

func (d Direction) String() string {
	switch d {
	case Up:
		return "up"
	case Right:
		return "right"
	case Down:
		return "down"
	case Left:
		return "left"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Reverse returns the opposite direction.
func (d Direction) Reverse() Direction { return (d + 2) & 3 }

// TurnLeft returns the direction after a quarter turn counterclockwise.
func (d Direction) TurnLeft() Direction { return (d + 3) & 3 }

// TurnRight returns the direction after a quarter turn clockwise.
func (d Direction) TurnRight() Direction { return (d + 1) & 3 }

// Delta returns the step of one move in cells; y grows downwards.
func (d Direction) Delta() (dx, dy int) {
	switch d & 3 {
	case Up:
		return 0, -1
	case Right:
		return 1, 0
	case Down:
		return 0, 1
	default:
		return -1, 0
	}
}

// EncodeTurn returns the input payload that asks for a turn to d.
func EncodeTurn(d Direction) []byte {
	return AppendTurn(nil, d)
}

// AppendTurn appends the input payload for a turn to d: a msgpack positive
// fixint, one byte.
func AppendTurn(dst []byte, d Direction) []byte {
	return appendUint(dst, uint64(d))
}

// DecodeTurn parses an input payload: exactly one msgpack integer in any of
// its encodings, from 0 (up) to 3 (left). Errors wrap game.ErrBadInput.
func DecodeTurn(payload []byte) (Direction, error) {
	v, rest, err := readUint(payload)
	if err != nil {
		return 0, fmt.Errorf("snake: input must be a direction 0-3 as a msgpack unsigned int: %w: %w", err, game.ErrBadInput)
	}
	if len(rest) != 0 {
		return 0, fmt.Errorf("snake: input has %d bytes after the direction: %w", len(rest), game.ErrBadInput)
	}
	if v > uint64(Left) {
		return 0, fmt.Errorf("snake: input direction %d out of range 0 (up) to 3 (left): %w", v, game.ErrBadInput)
	}
	return Direction(v), nil
}
