package snake

import "encoding/binary"

// Packed moves (snapshot bodies, the moves of a delta) are a little-endian
// bit stream: move k is bits 2k and 2k+1, counting from the low bit of the
// first byte. Reading and writing them in words rather than move by move
// lets Delta compare and Patch shift a whole body in a few steps.

// bitsAt returns the n <= 32 bits of the stream b that start at bit off;
// bits past the end of b read as 0.
func bitsAt(b []byte, off uint64, n uint) uint64 {
	i := off >> 3
	var v uint64
	if i+8 <= uint64(len(b)) {
		v = binary.LittleEndian.Uint64(b[i:])
	} else {
		for k := uint64(0); k < 8 && i+k < uint64(len(b)); k++ {
			v |= uint64(b[i+k]) << (8 * k)
		}
	}
	return v >> (off & 7) & (1<<n - 1)
}

// moveAt returns move k of the stream b.
func moveAt(b []byte, k uint64) Direction {
	return Direction(b[k>>2] >> (2 * (k & 3)) & 3)
}

// bitsEqual reports whether the n bits of a from bit aOff equal the n bits
// of b from bit bOff. Both ranges must lie inside their streams.
func bitsEqual(a []byte, aOff uint64, b []byte, bOff uint64, n uint64) bool {
	for n > 0 {
		c := uint(min(n, 32))
		if bitsAt(a, aOff, c) != bitsAt(b, bOff, c) {
			return false
		}
		aOff, bOff, n = aOff+uint64(c), bOff+uint64(c), n-uint64(c)
	}
	return true
}

// bitWriter appends a bit stream to buf; flush writes the last, partial
// byte with its unused high bits 0, as the wire format wants.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint // bits in acc, < 8 between calls
}

// put appends the n <= 32 low bits of v.
func (w *bitWriter) put(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// copyBits appends the n bits of src that start at bit off.
func (w *bitWriter) copyBits(src []byte, off, n uint64) {
	if w.n == 0 && off&7 == 0 {
		// Byte-aligned on both sides, the common case of a body copied
		// behind a multiple of four new moves: copy whole bytes.
		whole := n >> 3
		w.buf = append(w.buf, src[off>>3:off>>3+whole]...)
		off, n = off+whole<<3, n-whole<<3
	}
	for n > 0 {
		c := uint(min(n, 32))
		w.put(bitsAt(src, off, c), c)
		off, n = off+uint64(c), n-uint64(c)
	}
}

func (w *bitWriter) flush() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.n = 0, 0
	}
	return w.buf
}
