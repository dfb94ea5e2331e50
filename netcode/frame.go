package netcode

// Server frames are written by netcode itself (see rawconn.go): final,
// unmasked, binary, with the payload length in the shortest of the three
// encodings of RFC 6455 §5.2. Clients must mask their frames, servers must
// not, so a server frame is its header and the payload as is.

// opBinary is the first header byte of a final binary frame: FIN and
// opcode 2, no extension bits (the server negotiates no compression).
const opBinary = 0x82

// opClose is the opcode of a close frame (the low four bits of its first
// byte).
const opClose = 0x8

// maxFrameHeader is the longest server frame header: 2 bytes and a 64-bit
// length.
const maxFrameHeader = 10

// appendFrameHeader appends the header of a binary frame of n payload
// bytes.
func appendFrameHeader(dst []byte, n int) []byte {
	switch {
	case n < 126:
		return append(dst, opBinary, byte(n))
	case n <= 0xffff:
		return append(dst, opBinary, 126, byte(n>>8), byte(n))
	default:
		u := uint64(n)
		return append(dst, opBinary, 127,
			byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
			byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
	}
}

// appendFrame appends payload as one binary frame.
func appendFrame(dst, payload []byte) []byte {
	return append(appendFrameHeader(dst, len(payload)), payload...)
}

// beginFrame reserves the header of a frame whose payload the caller
// appends next, so that a message is encoded straight into the batch;
// endFrame then writes the header. Four bytes fit payloads up to 64 KiB;
// a shorter header moves the payload down by two bytes, a longer one (a
// rare huge snapshot) up by six.
func beginFrame(buf []byte) []byte { return append(buf, 0, 0, 0, 0) }

func endFrame(buf []byte, start int) []byte {
	n := len(buf) - start - 4
	switch {
	case n < 126:
		buf[start], buf[start+1] = opBinary, byte(n)
		copy(buf[start+2:], buf[start+4:])
		return buf[:len(buf)-2]
	case n <= 0xffff:
		buf[start], buf[start+1], buf[start+2], buf[start+3] = opBinary, 126, byte(n>>8), byte(n)
		return buf
	}
	buf = append(buf, 0, 0, 0, 0, 0, 0)
	copy(buf[start+maxFrameHeader:], buf[start+4:len(buf)-6])
	// Appending to an empty slice at start with room behind it writes the
	// header in place.
	appendFrameHeader(buf[start:start], n)
	return buf
}
