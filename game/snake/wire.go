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
