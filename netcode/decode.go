package netcode

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5"
)

// Decoding errors. A decode error wraps one of them.
var (
	// ErrMalformed marks bytes that are not a well-formed protocol message.
	ErrMalformed = errors.New("malformed message")
	// ErrUnknownType marks a well-formed array whose type is unknown.
	ErrUnknownType = errors.New("unknown message type")
)

// Message is one decoded protocol message, of either direction. Which
// fields are set depends on Type; the comments on the MsgType constants give
// the layout.
type Message struct {
	Type MsgType
	// Seq is the input seq, event seq, or ping id (ping and pong).
	Seq uint32
	// Tick is set on events, pings and snapshots.
	Tick uint32
	// Base is a snapshot's base tick (0 = full snapshot).
	Base uint32
	// Ack is the last input seq the room applied for the recipient; on a
	// ping, the round trip in milliseconds the server last measured.
	Ack uint32
	// Millis is a ping's server time in milliseconds.
	Millis int64
	// Kind is an event's kind or an error's code.
	Kind string
	// Text is a chat text or an error's message.
	Text string
	// Payload is an input's payload, an event's data or a snapshot's
	// payload, as raw msgpack. It aliases the decoded frame.
	Payload []byte
	Hello   *Hello
	Welcome *Welcome
}

// Decoder decodes protocol messages. Reusing one per connection avoids an
// allocation per message. It is not safe for concurrent use.
type Decoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
	buf []byte
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}

// Decode decodes one message. Elements after the ones this version knows are
// skipped, so that later versions may append fields.
func (d *Decoder) Decode(b []byte) (Message, error) {
	var m Message
	if !lengthsFit(b) {
		return m, fmt.Errorf("netcode: decode: truncated, or a length beyond the frame: %w", ErrMalformed)
	}
	d.buf = b
	d.r.Reset(b)
	d.dec.Reset(&d.r)
	n, err := d.dec.DecodeArrayLen()
	if err != nil || n < 1 {
		return m, fmt.Errorf("netcode: decode: not a msgpack array: %w", ErrMalformed)
	}
	t, err := d.dec.DecodeUint64()
	if err != nil || t > math.MaxUint8 {
		return m, fmt.Errorf("netcode: decode: message type is not a small unsigned int: %w", ErrMalformed)
	}
	m.Type = MsgType(t)
	var want int
	switch m.Type {
	case MsgHello:
		want, err = 2, d.hello(&m)
	case MsgInput:
		want, err = 3, d.input(&m)
	case MsgPong:
		want, err = 2, d.uint32(&m.Seq)
	case MsgChat:
		want, err = 2, d.string(&m.Text)
	case MsgLeave:
		want = 1
	case MsgWelcome:
		want, err = 2, d.welcome(&m)
	case MsgEvent:
		want, err = 5, d.event(&m)
	case MsgPing:
		want, err = 5, d.ping(&m)
	case MsgError:
		want, err = 3, d.errorMsg(&m)
	case MsgSnapshot:
		want, err = 5, d.snapshot(&m)
	default:
		return m, fmt.Errorf("netcode: decode: type %d: %w", t, ErrUnknownType)
	}
	if n < want {
		return m, fmt.Errorf("netcode: decode %s: %d elements, want %d: %w", m.Type, n, want, ErrMalformed)
	}
	if err != nil {
		return m, fmt.Errorf("netcode: decode %s: %v: %w", m.Type, err, ErrMalformed)
	}
	for range n - want {
		if err := d.dec.Skip(); err != nil {
			return m, fmt.Errorf("netcode: decode %s: trailing element: %w", m.Type, ErrMalformed)
		}
	}
	if d.r.Len() != 0 {
		return m, fmt.Errorf("netcode: decode %s: %d bytes after the message: %w", m.Type, d.r.Len(), ErrMalformed)
	}
	return m, nil
}

// raw returns the next value's bytes without copying them.
func (d *Decoder) raw() ([]byte, error) {
	start := len(d.buf) - d.r.Len()
	if err := d.dec.Skip(); err != nil {
		return nil, err
	}
	return d.buf[start : len(d.buf)-d.r.Len()], nil
}

func (d *Decoder) uint32(v *uint32) error {
	u, err := d.dec.DecodeUint64()
	if err == nil && u > math.MaxUint32 {
		return errors.New("integer out of u32 range")
	}
	*v = uint32(u)
	return err
}

func (d *Decoder) string(v *string) error {
	s, err := d.dec.DecodeString()
	*v = s
	return err
}

func (d *Decoder) hello(m *Message) error {
	m.Hello = new(Hello)
	return d.dec.Decode(m.Hello)
}

func (d *Decoder) welcome(m *Message) error {
	m.Welcome = new(Welcome)
	return d.dec.Decode(m.Welcome)
}

func (d *Decoder) input(m *Message) (err error) {
	if err = d.uint32(&m.Seq); err != nil {
		return err
	}
	m.Payload, err = d.raw()
	return err
}

func (d *Decoder) event(m *Message) (err error) {
	if err = d.uint32(&m.Seq); err != nil {
		return err
	}
	if err = d.uint32(&m.Tick); err != nil {
		return err
	}
	if err = d.string(&m.Kind); err != nil {
		return err
	}
	m.Payload, err = d.raw()
	return err
}

func (d *Decoder) ping(m *Message) (err error) {
	if err = d.uint32(&m.Seq); err != nil {
		return err
	}
	if m.Millis, err = d.dec.DecodeInt64(); err != nil {
		return err
	}
	if err = d.uint32(&m.Tick); err != nil {
		return err
	}
	return d.uint32(&m.Ack)
}

func (d *Decoder) errorMsg(m *Message) error {
	if err := d.string(&m.Kind); err != nil {
		return err
	}
	return d.string(&m.Text)
}

func (d *Decoder) snapshot(m *Message) (err error) {
	if err = d.uint32(&m.Tick); err != nil {
		return err
	}
	if err = d.uint32(&m.Base); err != nil {
		return err
	}
	if err = d.uint32(&m.Ack); err != nil {
		return err
	}
	m.Payload, err = d.raw()
	return err
}

// lengthsFit walks the msgpack value at the start of b and reports whether
// it is complete and every length it declares fits in the bytes that follow.
// The msgpack library allocates what a length claims before reading (up to
// 1 MiB per string or skipped value, without limit for a slice), so without
// this check a 10-byte frame could cost megabytes, or crash the process.
func lengthsFit(b []byte) bool {
	pending := 1 // values still to read; each takes at least one byte
	for pending > 0 {
		if len(b) < pending {
			return false
		}
		c := b[0]
		b = b[1:]
		pending--
		body, values := 0, 0 // bytes to skip, values to read
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
			// fixint, nil, false, true
		case c <= 0x8f:
			values = 2 * int(c&0x0f)
		case c <= 0x9f:
			values = int(c & 0x0f)
		case c <= 0xbf:
			body = int(c & 0x1f)
		case c == 0xc4 || c == 0xd9: // bin8, str8
			body = lengthPrefix(&b, 1)
		case c == 0xc5 || c == 0xda: // bin16, str16
			body = lengthPrefix(&b, 2)
		case c == 0xc6 || c == 0xdb: // bin32, str32
			body = lengthPrefix(&b, 4)
		case c >= 0xc7 && c <= 0xc9: // ext8, ext16, ext32: length, type, data
			if body = lengthPrefix(&b, 1<<(c-0xc7)); body >= 0 {
				body++
			}
		case c == 0xca || c == 0xce || c == 0xd2: // float32, uint32, int32
			body = 4
		case c == 0xcb || c == 0xcf || c == 0xd3: // float64, uint64, int64
			body = 8
		case c == 0xcc || c == 0xd0: // uint8, int8
			body = 1
		case c == 0xcd || c == 0xd1: // uint16, int16
			body = 2
		case c >= 0xd4 && c <= 0xd8: // fixext 1 to 16: type, data
			body = 1 + 1<<(c-0xd4)
		case c == 0xdc: // array16
			values = lengthPrefix(&b, 2)
		case c == 0xdd: // array32
			values = lengthPrefix(&b, 4)
		case c == 0xde: // map16
			values = 2 * lengthPrefix(&b, 2)
		case c == 0xdf: // map32
			values = 2 * lengthPrefix(&b, 4)
		default: // 0xc1, never used
			return false
		}
		if body < 0 || values < 0 || body > len(b) || values > len(b)-body-pending {
			return false
		}
		b = b[body:]
		pending += values
	}
	return true
}

// lengthPrefix consumes a k-byte big-endian length from *b; -1 if short.
func lengthPrefix(b *[]byte, k int) int {
	if len(*b) < k {
		return -1
	}
	n := 0
	for _, c := range (*b)[:k] {
		n = n<<8 | int(c)
	}
	*b = (*b)[k:]
	return n
}
