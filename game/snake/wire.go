package snake

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The snapshot is hand-encoded: the room encodes one per tick, and going
// through reflection would cost allocations for a fixed, tiny schema. The
// tests check that these bytes are what the msgpack library produces for the
// Snapshot type with compact integers, so both decoders agree.

const (
	mpNil      = 0xc0
	mpFixArray = 0x90
	mpArray16  = 0xdc
	mpArray32  = 0xdd
	mpBin8     = 0xc4
	mpBin16    = 0xc5
	mpBin32    = 0xc6
	mpUint8    = 0xcc
	mpUint16   = 0xcd
	mpUint32   = 0xce
	mpUint64   = 0xcf
	mpInt8     = 0xd0
	mpInt16    = 0xd1
	mpInt32    = 0xd2
	mpInt64    = 0xd3
)

var (
	errShort    = errors.New("unexpected end of data")
	errNotUint  = errors.New("not an unsigned integer")
	errNotArray = errors.New("not an array")
	errNotBin   = errors.New("not a bin")
)

func appendArrayLen(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, mpFixArray|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, mpArray16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(dst, mpArray32), uint32(n))
	}
}

// appendUint uses the smallest encoding, as msgpack's compact ints do.
func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < 128:
		return append(dst, byte(v))
	case v <= math.MaxUint8:
		return append(dst, mpUint8, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, mpUint16), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, mpUint32), uint32(v))
	default:
		return binary.BigEndian.AppendUint64(append(dst, mpUint64), v)
	}
}

func appendBinLen(dst []byte, n int) []byte {
	switch {
	case n <= math.MaxUint8:
		return append(dst, mpBin8, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, mpBin16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(dst, mpBin32), uint32(n))
	}
}

// readUint reads any msgpack integer that is not negative.
func readUint(b []byte) (uint64, []byte, error) {
	if len(b) == 0 {
		return 0, b, errShort
	}
	c := b[0]
	if c < 0x80 {
		return uint64(c), b[1:], nil
	}
	var size int
	switch c {
	case mpUint8, mpInt8:
		size = 1
	case mpUint16, mpInt16:
		size = 2
	case mpUint32, mpInt32:
		size = 4
	case mpUint64, mpInt64:
		size = 8
	default:
		return 0, b, errNotUint
	}
	if len(b) < 1+size {
		return 0, b, errShort
	}
	var v uint64
	for _, x := range b[1 : 1+size] {
		v = v<<8 | uint64(x)
	}
	if c >= mpInt8 && v>>(8*size-1) != 0 {
		return 0, b, errNotUint // a negative signed integer
	}
	return v, b[1+size:], nil
}

// readUintMax reads an unsigned integer no larger than limit; what names
// the field in the error.
func readUintMax(b []byte, limit uint64, what string) (uint64, []byte, error) {
	v, rest, err := readUint(b)
	if err != nil {
		return 0, b, fmt.Errorf("%s: %w", what, err)
	}
	if v > limit {
		return 0, b, fmt.Errorf("%s: %d exceeds %d", what, v, limit)
	}
	return v, rest, nil
}

func readArrayLen(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, b, errShort
	}
	c := b[0]
	switch {
	case c&0xf0 == mpFixArray:
		return int(c & 0x0f), b[1:], nil
	case c == mpArray16 && len(b) >= 3:
		return int(binary.BigEndian.Uint16(b[1:])), b[3:], nil
	case c == mpArray32 && len(b) >= 5:
		return int(binary.BigEndian.Uint32(b[1:])), b[5:], nil
	case c == mpArray16 || c == mpArray32:
		return 0, b, errShort
	}
	return 0, b, errNotArray
}

// readBin returns the bytes of a msgpack bin, aliasing b.
func readBin(b []byte) ([]byte, []byte, error) {
	if len(b) == 0 {
		return nil, b, errShort
	}
	var n, hdr int
	switch b[0] {
	case mpBin8:
		hdr = 2
		if len(b) >= hdr {
			n = int(b[1])
		}
	case mpBin16:
		hdr = 3
		if len(b) >= hdr {
			n = int(binary.BigEndian.Uint16(b[1:]))
		}
	case mpBin32:
		hdr = 5
		if len(b) >= hdr {
			n = int(binary.BigEndian.Uint32(b[1:]))
		}
	default:
		return nil, b, errNotBin
	}
	if len(b) < hdr || len(b)-hdr < n {
		return nil, b, errShort
	}
	return b[hdr : hdr+n], b[hdr+n:], nil
}

// reader reads msgpack values off the front of b. With canonical set it
// accepts only the encodings that the append functions above write, which
// are the smallest ones; the error then says which value was not.
type reader struct {
	b         []byte
	canonical bool
}

var errNotCanonical = errors.New("not in the smallest encoding")

func (r *reader) uintMax(limit uint64, what string) (uint64, error) {
	v, rest, err := readUintMax(r.b, limit, what)
	if err != nil {
		return 0, err
	}
	if r.canonical && !canonUint(r.b[0], len(r.b)-len(rest), v) {
		return 0, fmt.Errorf("%s: %w", what, errNotCanonical)
	}
	r.b = rest
	return v, nil
}

func (r *reader) arrayLen() (int, error) {
	n, rest, err := readArrayLen(r.b)
	if err != nil {
		return 0, err
	}
	if r.canonical && len(r.b)-len(rest) != arrayHeaderLen(n) {
		return 0, fmt.Errorf("array header: %w", errNotCanonical)
	}
	r.b = rest
	return n, nil
}

// bin returns the bytes of a bin, aliasing the input.
func (r *reader) bin() ([]byte, error) {
	if b := r.b; len(b) >= 2 && b[0] == mpBin8 && len(b)-2 >= int(b[1]) {
		v := b[2 : 2+int(b[1])]
		r.b = b[2+len(v):]
		return v, nil // a bin8 is canonical: longer bins take the others
	}
	v, rest, err := readBin(r.b)
	if err != nil {
		return nil, err
	}
	if r.canonical && len(r.b)-len(rest)-len(v) != binHeaderLen(len(v)) {
		return nil, fmt.Errorf("bin header: %w", errNotCanonical)
	}
	r.b = rest
	return v, nil
}

// isNil reports, and skips, a msgpack nil.
func (r *reader) isNil() bool {
	if len(r.b) > 0 && r.b[0] == mpNil {
		r.b = r.b[1:]
		return true
	}
	return false
}

// canonUint reports whether v, encoded in size bytes starting with first,
// is in appendUint's encoding. For a given size only the header byte can
// differ: a signed type of the same width (or a fixint for size 1).
func canonUint(first byte, size int, v uint64) bool {
	switch {
	case v < 128:
		return size == 1
	case v <= math.MaxUint8:
		return first == mpUint8
	case v <= math.MaxUint16:
		return first == mpUint16
	case v <= math.MaxUint32:
		return first == mpUint32
	default:
		return first == mpUint64
	}
}

func arrayHeaderLen(n int) int {
	switch {
	case n < 16:
		return 1
	case n <= math.MaxUint16:
		return 3
	default:
		return 5
	}
}

func binHeaderLen(n int) int {
	switch {
	case n <= math.MaxUint8:
		return 2
	case n <= math.MaxUint16:
		return 3
	default:
		return 5
	}
}

func uintLen(v uint64) int {
	switch {
	case v < 128:
		return 1
	case v <= math.MaxUint8:
		return 2
	case v <= math.MaxUint16:
		return 3
	case v <= math.MaxUint32:
		return 5
	default:
		return 9
	}
}
