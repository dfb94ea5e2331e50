package netcode

import (
	"bytes"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5"
)

// The append functions below write msgpack by hand because they sit on the
// broadcast path: a header of a few bytes goes in front of payload bytes the
// room encoded once, with no reflection and no allocation beyond dst.

func appendArrayHeader(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x90|byte(n))
	case n <= math.MaxUint16:
		return append(dst, 0xdc, byte(n>>8), byte(n))
	default:
		return append(dst, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < 128:
		return append(dst, byte(v))
	case v <= math.MaxUint8:
		return append(dst, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return append(dst, 0xcd, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(dst, 0xce, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	default:
		return append(dst, 0xcf, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
			byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
}

func appendString(dst []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		dst = append(dst, 0xa0|byte(n))
	case n <= math.MaxUint8:
		dst = append(dst, 0xd9, byte(n))
	case n <= math.MaxUint16:
		dst = append(dst, 0xda, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, s...)
}

// appendRaw splices an encoded msgpack value; an empty one stands for nil.
func appendRaw(dst, raw []byte) []byte {
	if len(raw) == 0 {
		return append(dst, 0xc0)
	}
	return append(dst, raw...)
}

// appendBin appends b as a msgpack bin.
func appendBin(dst, b []byte) []byte {
	n := len(b)
	switch {
	case n <= math.MaxUint8:
		dst = append(dst, 0xc4, byte(n))
	case n <= math.MaxUint16:
		dst = append(dst, 0xc5, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xc6, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, b...)
}

// AppendSnapshot appends a snapshot message: the per-recipient header
// (tick, base tick, acknowledged input seq) in front of the shared payload,
// the state's (or the delta's) encoded bytes, carried as a bin so that any
// msgpack library hands a client the exact bytes to patch.
func AppendSnapshot(dst []byte, tick, base, ack uint32, payload []byte) []byte {
	dst = appendArrayHeader(dst, 5)
	dst = append(dst, byte(MsgSnapshot))
	dst = appendUint(dst, uint64(tick))
	dst = appendUint(dst, uint64(base))
	dst = appendUint(dst, uint64(ack))
	return appendBin(dst, payload)
}

// AppendEvent appends an event message; data is the event's payload,
// encoded once for every recipient.
func AppendEvent(dst []byte, seq, tick uint32, kind string, data []byte) []byte {
	dst = appendArrayHeader(dst, 5)
	dst = append(dst, byte(MsgEvent))
	dst = appendUint(dst, uint64(seq))
	dst = appendUint(dst, uint64(tick))
	dst = appendString(dst, kind)
	return appendRaw(dst, data)
}

// AppendPing appends a heartbeat ping carrying the server's clock in
// milliseconds, its current tick, and the round trip it measured from the
// previous ping to its pong, so that a client can show its ping and estimate
// the server tick without clocks of its own.
func AppendPing(dst []byte, id uint32, serverMillis int64, tick uint32, rttMillis uint32) []byte {
	dst = appendArrayHeader(dst, 5)
	dst = append(dst, byte(MsgPing))
	dst = appendUint(dst, uint64(id))
	dst = appendUint(dst, uint64(max(serverMillis, 0)))
	dst = appendUint(dst, uint64(tick))
	return appendUint(dst, uint64(rttMillis))
}

// AppendError appends an error message about the input with seq (0: about
// no input).
func AppendError(dst []byte, code, message string, seq uint32) []byte {
	dst = appendArrayHeader(dst, 4)
	dst = append(dst, byte(MsgError))
	dst = appendString(dst, code)
	dst = appendString(dst, message)
	return appendUint(dst, uint64(seq))
}

// AppendReply appends the reply to request id: code "" and data (raw
// msgpack; empty stands for nil) for a success, an error code and message
// for a failure.
func AppendReply(dst []byte, id uint32, code, message string, data []byte) []byte {
	dst = appendArrayHeader(dst, 5)
	dst = append(dst, byte(MsgReply))
	dst = appendUint(dst, uint64(id))
	dst = appendString(dst, code)
	dst = appendString(dst, message)
	return appendRaw(dst, data)
}

// AppendRequest appends a request; data is raw msgpack (empty stands for
// nil).
func AppendRequest(dst []byte, id uint32, kind string, data []byte) []byte {
	dst = appendArrayHeader(dst, 4)
	dst = append(dst, byte(MsgRequest))
	dst = appendUint(dst, uint64(id))
	dst = appendString(dst, kind)
	return appendRaw(dst, data)
}

// AppendWelcome appends a welcome message.
func AppendWelcome(dst []byte, w *Welcome) ([]byte, error) {
	return appendWithMap(dst, MsgWelcome, w)
}

// AppendHello appends a hello message.
func AppendHello(dst []byte, h *Hello) ([]byte, error) {
	return appendWithMap(dst, MsgHello, h)
}

// appendWithMap encodes the map-bodied messages (hello, welcome) with the
// smallest integer encodings, as the hand-written appenders and the JS
// SDK do, so that each message has one byte form a test vector can pin.
func appendWithMap(dst []byte, t MsgType, v any) ([]byte, error) {
	var body bytes.Buffer
	enc := msgpack.NewEncoder(&body)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return dst, fmt.Errorf("netcode: encode %s: %w", t, err)
	}
	dst = appendArrayHeader(dst, 2)
	dst = append(dst, byte(t))
	return append(dst, body.Bytes()...), nil
}

// AppendInput appends an input message; payload is the game-defined input,
// already msgpack-encoded.
func AppendInput(dst []byte, seq uint32, payload []byte) []byte {
	dst = appendArrayHeader(dst, 3)
	dst = append(dst, byte(MsgInput))
	dst = appendUint(dst, uint64(seq))
	return appendRaw(dst, payload)
}

// AppendPong appends the answer to ping id.
func AppendPong(dst []byte, id uint32) []byte {
	dst = appendArrayHeader(dst, 2)
	dst = append(dst, byte(MsgPong))
	return appendUint(dst, uint64(id))
}

// AppendChat appends a chat message.
func AppendChat(dst []byte, text string) []byte {
	dst = appendArrayHeader(dst, 2)
	dst = append(dst, byte(MsgChat))
	return appendString(dst, text)
}

// AppendLeave appends a leave message.
func AppendLeave(dst []byte) []byte {
	dst = appendArrayHeader(dst, 1)
	return append(dst, byte(MsgLeave))
}
