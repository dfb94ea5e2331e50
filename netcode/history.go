package netcode

import (
	"errors"
	"fmt"
	"math"
)

// HistoryLine is one chat line of a room's history, as the history
// message carries it: [name, text, at, playerId].
type HistoryLine struct {
	Name string
	Text string
	// At is when the line was said, in milliseconds since the Unix epoch.
	At int64
	// PlayerID is the stable player id of who said it, 0 for a guest.
	PlayerID int64
}

// MaxHistory is how many chat lines a history message holds at most: the
// room's last ones.
const MaxHistory = 20

// AppendHistory appends a history message holding lines, oldest first.
func AppendHistory(dst []byte, lines []HistoryLine) []byte {
	dst = appendArrayHeader(dst, 2)
	dst = append(dst, byte(MsgHistory))
	dst = appendArrayHeader(dst, len(lines))
	for i := range lines {
		l := &lines[i]
		dst = appendArrayHeader(dst, 4)
		dst = appendString(dst, l.Name)
		dst = appendString(dst, l.Text)
		dst = appendInt(dst, l.At)
		dst = appendInt(dst, l.PlayerID)
	}
	return dst
}

// QueueHistory queues a history message, as QueueEvent does an event: it
// leaves with the next flush.
func (c *Conn) QueueHistory(lines []HistoryLine) bool {
	return c.enqueue(outgoing{frame: AppendHistory(nil, lines)})
}

// appendInt appends v in its smallest msgpack encoding, signed only when
// negative.
func appendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(dst, uint64(v))
	case v >= -32:
		return append(dst, byte(v))
	case v >= math.MinInt8:
		return append(dst, 0xd0, byte(v))
	case v >= math.MinInt16:
		return append(dst, 0xd1, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		return append(dst, 0xd2, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	default:
		return append(dst, 0xd3, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
			byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}

// history decodes a history message's lines. Each line may have more
// elements than the four this version knows; they are skipped.
func (d *Decoder) history(m *Message) error {
	n, err := d.dec.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n < 0 {
		return errors.New("history lines are nil, not an array")
	}
	// walk has checked that n values follow, so n is bounded by the frame.
	m.History = make([]HistoryLine, 0, n)
	for i := range n {
		k, err := d.dec.DecodeArrayLen()
		if err != nil {
			return fmt.Errorf("line %d: %w", i, err)
		}
		if k < 4 {
			return fmt.Errorf("line %d: %d elements, want 4", i, k)
		}
		var l HistoryLine
		if l.Name, err = d.dec.DecodeString(); err != nil {
			return fmt.Errorf("line %d name: %w", i, err)
		}
		if l.Text, err = d.dec.DecodeString(); err != nil {
			return fmt.Errorf("line %d text: %w", i, err)
		}
		if l.At, err = d.dec.DecodeInt64(); err != nil {
			return fmt.Errorf("line %d time: %w", i, err)
		}
		if l.PlayerID, err = d.dec.DecodeInt64(); err != nil {
			return fmt.Errorf("line %d player id: %w", i, err)
		}
		for range k - 4 {
			if err := d.dec.Skip(); err != nil {
				return fmt.Errorf("line %d: %w", i, err)
			}
		}
		m.History = append(m.History, l)
	}
	return nil
}

// Player keys: what a hello's key may be.
const (
	MinKeyLen = 16
	MaxKeyLen = 128
)

// ErrBadKey is wrapped by CheckKey's errors.
var ErrBadKey = errors.New("bad player key")

// CheckKey reports whether key may be a hello's player key: 16 to 128
// bytes of printable ASCII, 0x21 to 0x7e (no space). "" is no key. The
// error says what is wrong without quoting the key, a secret.
func CheckKey(key string) error {
	if key == "" {
		return nil
	}
	if len(key) < MinKeyLen || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes, want %d to %d", ErrBadKey, len(key), MinKeyLen, MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("%w: byte %d is not printable ASCII (0x21 to 0x7e)", ErrBadKey, i)
		}
	}
	return nil
}
