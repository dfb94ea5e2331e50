package bot

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The poll transport's WebSocket framing (RFC 6455 §5.2), client side: the
// frames a client sends are masked, the server's are not.

// WebSocket opcodes the transport handles.
const (
	opContinuation = 0x0
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// maxControlPayload is RFC 6455's bound on a control frame's payload.
const maxControlPayload = 125

// appendClientFrame appends one whole, masked frame of opcode op carrying
// payload, masked with key.
func appendClientFrame(dst []byte, op byte, payload []byte, key [4]byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	for i := range payload {
		dst[start+i] ^= key[i&3]
	}
	return dst
}

// errFrame marks a server frame the transport cannot take.
var errFrame = errors.New("bot: bad frame from the server")

// serverFrame is one frame parsed from the server's bytes.
type serverFrame struct {
	op      byte
	payload []byte // points into the bytes parsed
}

// parseServerFrame parses the frame at the start of b. It returns the
// frame and its length, or n == 0 when b holds only part of it; need is
// then the frame's whole length when the header says it (0 when even the
// header is incomplete). A masked, fragmented or reserved-bit frame, a
// control frame over 125 bytes, or one over limit is an error: the server
// sends none of them.
func parseServerFrame(b []byte, limit int) (f serverFrame, n, need int, err error) {
	if len(b) < 2 {
		return f, 0, 0, nil
	}
	b0, b1 := b[0], b[1]
	if b0&0x70 != 0 {
		return f, 0, 0, fmt.Errorf("%w: reserved bits %#x", errFrame, b0&0x70)
	}
	if b1&0x80 != 0 {
		return f, 0, 0, fmt.Errorf("%w: masked", errFrame)
	}
	f.op = b0 & 0x0f
	fin := b0&0x80 != 0
	control := f.op&0x8 != 0
	if !fin || f.op == opContinuation {
		return f, 0, 0, fmt.Errorf("%w: fragmented message (opcode %#x, fin %v)", errFrame, f.op, fin)
	}
	head, size := 2, uint64(b1&0x7f)
	switch size {
	case 126:
		if len(b) < 4 {
			return f, 0, 0, nil
		}
		head, size = 4, uint64(binary.BigEndian.Uint16(b[2:]))
	case 127:
		if len(b) < 10 {
			return f, 0, 0, nil
		}
		head, size = 10, binary.BigEndian.Uint64(b[2:])
	}
	if control && size > maxControlPayload {
		return f, 0, 0, fmt.Errorf("%w: control frame of %d bytes", errFrame, size)
	}
	if size > uint64(limit) {
		return f, 0, 0, fmt.Errorf("%w: frame of %d bytes, limit %d", errFrame, size, limit)
	}
	total := head + int(size)
	if len(b) < total {
		return f, 0, total, nil
	}
	f.payload = b[head:total:total]
	return f, total, total, nil
}
