package netcode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
)

// Decoding errors. A decode error wraps one of them.
var (
	// ErrMalformed marks bytes that are not a well-formed protocol message.
	ErrMalformed = errors.New("malformed message")
	// ErrUnknownType marks a well-formed array whose type is unknown.
	ErrUnknownType = errors.New("unknown message type")
	// ErrTooDeep marks a msgpack value whose arrays and maps nest deeper
	// than MaxDepth. The errors that wrap it wrap ErrMalformed too.
	ErrTooDeep = fmt.Errorf("nested deeper than %d", MaxDepth)
)

// MaxDepth is how deeply arrays and maps may nest in a message, the
// message's own array included: a hello [1, {"view": [x, y, w, h]}] is 3
// deep, and an input's payload may nest 15 deep. The msgpack library
// decodes and skips a nested value by recursion, a few stack frames per
// level, so without a bound a 4 KB frame of nested arrays costs hundreds of
// KiB of goroutine stack per connection, and a recording of a few
// megabytes overflows the stack and kills the process.
const MaxDepth = 16

// Message is one decoded protocol message, of either direction. Which
// fields are set depends on Type (the comments on the MsgType constants give
// the layouts); each field has one meaning, whatever the type.
type Message struct {
	Type MsgType
	// Seq is an input's seq, an event's seq, or the seq of the input an
	// error is about (0: none).
	Seq uint32
	// ID is a ping's id (ping and pong) or a request's (request and
	// reply).
	ID uint32
	// Tick is set on events, pings and snapshots.
	Tick uint32
	// Base is a snapshot's base tick (0 = full snapshot).
	Base uint32
	// Ack is the last input seq the room applied for the recipient of a
	// snapshot.
	Ack uint32
	// RTTMillis is the round trip the server measured from its previous
	// ping to the pong (a ping's; 0 before the first answer).
	RTTMillis uint32
	// Millis is a ping's server time in milliseconds since the Unix epoch.
	Millis int64
	// Kind is an event's kind or a request's.
	Kind string
	// Code is an error's code, or a reply's ("" for success).
	Code string
	// Text is a chat text, or an error's or a reply's message.
	Text string
	// Payload is an input's payload, an event's data, a request's or a
	// reply's data, as raw msgpack; for a snapshot, the content of its bin:
	// the state's or the delta's bytes. It aliases the decoded frame.
	Payload []byte
	Hello   *Hello
	Welcome *Welcome
	// History is a history message's chat lines, oldest first.
	History []HistoryLine
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
	// The walk refuses what would make the library allocate or recurse
	// without bound, before the library sees the frame; what it lets
	// through, the library reads at most MaxDepth deep.
	if _, bad := walk(b); bad != walkOK {
		return m, bad.err("netcode: decode")
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
		want, err = 2, d.uint32(&m.ID)
	case MsgChat:
		want, err = 2, d.string(&m.Text)
	case MsgLeave:
		want = 1
	case MsgRequest:
		want, err = 4, d.request(&m)
	case MsgWelcome:
		want, err = 2, d.welcome(&m)
	case MsgEvent:
		want, err = 5, d.event(&m)
	case MsgPing:
		want, err = 5, d.ping(&m)
	case MsgError:
		want, err = 4, d.errorMsg(&m)
	case MsgSnapshot:
		want, err = 5, d.snapshot(&m)
	case MsgReply:
		want, err = 5, d.reply(&m)
	case MsgHistory:
		want, err = 2, d.history(&m)
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

// raw returns the next value's bytes without copying them. It finds the
// value's end with walk rather than the library's Skip, which goes through
// the reader byte by byte; the reader then moves past the value (the
// msgpack decoder reads straight from it, with no buffer of its own).
func (d *Decoder) raw() ([]byte, error) {
	start := len(d.buf) - d.r.Len()
	n, res := walk(d.buf[start:])
	if res != walkOK {
		return nil, res.err("raw value")
	}
	if _, err := d.r.Seek(int64(n), io.SeekCurrent); err != nil {
		return nil, err
	}
	return d.buf[start : start+n], nil
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
	if err = d.uint32(&m.ID); err != nil {
		return err
	}
	if m.Millis, err = d.dec.DecodeInt64(); err != nil {
		return err
	}
	if err = d.uint32(&m.Tick); err != nil {
		return err
	}
	return d.uint32(&m.RTTMillis)
}

func (d *Decoder) errorMsg(m *Message) error {
	if err := d.string(&m.Code); err != nil {
		return err
	}
	if err := d.string(&m.Text); err != nil {
		return err
	}
	return d.uint32(&m.Seq)
}

func (d *Decoder) request(m *Message) (err error) {
	if err = d.uint32(&m.ID); err != nil {
		return err
	}
	if m.ID == 0 {
		return errors.New("request id 0: ids start at 1")
	}
	if err = d.string(&m.Kind); err != nil {
		return err
	}
	m.Payload, err = d.raw()
	return err
}

func (d *Decoder) reply(m *Message) (err error) {
	if err = d.uint32(&m.ID); err != nil {
		return err
	}
	if err = d.string(&m.Code); err != nil {
		return err
	}
	if err = d.string(&m.Text); err != nil {
		return err
	}
	m.Payload, err = d.raw()
	return err
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
	m.Payload, err = d.bin()
	return err
}

// bin returns the content of the next value, which must be a bin, without
// copying it.
func (d *Decoder) bin() ([]byte, error) {
	v, err := d.raw()
	if err != nil {
		return nil, err
	}
	var prefix int
	switch v[0] {
	case 0xc4:
		prefix = 1
	case 0xc5:
		prefix = 2
	case 0xc6:
		prefix = 4
	default:
		return nil, fmt.Errorf("payload is msgpack type 0x%02x, not a bin", v[0])
	}
	// walk has checked that the declared length is exactly what follows.
	return v[1+prefix:], nil
}

// CheckValue checks that b is exactly one msgpack value, complete, with
// every length it declares within b and its arrays and maps nested at most
// MaxDepth deep: the checks Decode makes on a frame before the msgpack
// library reads it, for values that come some other way (a recording's
// input payloads). A value that passes costs no allocation. Its errors wrap
// ErrMalformed, and ErrTooDeep when the value nests too deep.
func CheckValue(b []byte) error {
	n, bad := walk(b)
	if bad != walkOK {
		return bad.err("netcode: check value")
	}
	if n != len(b) {
		return fmt.Errorf("netcode: check value: %d bytes after the value: %w", len(b)-n, ErrMalformed)
	}
	return nil
}

// ValueReader is what ReadValue reads from; a *bufio.Reader is one.
type ValueReader interface {
	io.Reader
	io.ByteReader
}

// readChunk bounds what ReadValue allocates for a string, bin or ext before
// its bytes arrive.
const readChunk = 64 << 10

// ReadValue reads the msgpack value that r holds next, appends its bytes to
// dst and returns the extended slice. It is for streams of msgpack values
// read as they come, such as recordings: a msgpack.Decoder would decode or
// skip a value there by recursion however deeply it nests (DecodeRaw, Skip,
// Decode into an interface), while ReadValue walks it iteratively and
// refuses arrays and maps nested deeper than MaxDepth as soon as it meets
// one, with an error wrapping ErrTooDeep and ErrMalformed. Strings, bins
// and exts are read in chunks, so that a length claiming more than r holds
// costs no more than what r holds. If r ends before the value it returns
// io.EOF, and io.ErrUnexpectedEOF if r ends within it; it returns r's other
// errors wrapped.
func ReadValue(dst []byte, r ValueReader) ([]byte, error) {
	var left [MaxDepth + 1]int // values still to read in each open container; [0] is the value itself
	left[0] = 1
	depth := 0
	for started := false; ; started = true {
		for left[depth] == 0 {
			if depth == 0 {
				return dst, nil
			}
			depth--
		}
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && started {
				err = io.ErrUnexpectedEOF
			}
			return dst, fmt.Errorf("netcode: read value: %w", err)
		}
		dst = append(dst, c)
		left[depth]--
		prefix, n, unit := shape(c)
		if unit == unitBad {
			return dst, walkBadCode.err("netcode: read value")
		}
		if prefix > 0 {
			start := len(dst)
			if dst, err = readN(dst, r, prefix); err != nil {
				return dst, fmt.Errorf("netcode: read value: %w", err)
			}
			for _, b := range dst[start:] {
				n = n<<8 | int(b)
			}
			if n < 0 { // a 32-bit length on a 32-bit platform
				return dst, fmt.Errorf("netcode: read value: length out of range: %w", ErrMalformed)
			}
		}
		switch unit {
		case unitExt:
			n++ // the ext's type byte
			fallthrough
		case unitBytes:
			if dst, err = readN(dst, r, n); err != nil {
				return dst, fmt.Errorf("netcode: read value: %w", err)
			}
		case unitValues, unitPairs:
			if depth == MaxDepth {
				return dst, walkDeep.err("netcode: read value")
			}
			if unit == unitPairs {
				n *= 2
			}
			if n > 0 {
				depth++
				left[depth] = n
			}
		}
	}
}

// readN appends n bytes of r to dst, growing dst a chunk at a time.
func readN(dst []byte, r io.Reader, n int) ([]byte, error) {
	for n > 0 {
		k := min(n, readChunk)
		dst = slices.Grow(dst, k)
		got, err := io.ReadFull(r, dst[len(dst):len(dst)+k])
		dst = dst[:len(dst)+got]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // within a value
			}
			return dst, err
		}
		n -= k
	}
	return dst, nil
}

// walkResult is what walk found wrong with a msgpack value, if anything.
type walkResult uint8

const (
	walkOK      walkResult = iota
	walkShort              // truncated, or a length beyond the bytes
	walkDeep               // arrays and maps nested deeper than MaxDepth
	walkBadCode            // the never-used code 0xc1
)

// err describes a failed walk; op says what walked.
func (w walkResult) err(op string) error {
	switch w {
	case walkDeep:
		return fmt.Errorf("%s: %w: %w", op, ErrTooDeep, ErrMalformed)
	case walkBadCode:
		return fmt.Errorf("%s: the never-used code 0xc1: %w", op, ErrMalformed)
	}
	return fmt.Errorf("%s: truncated, or a length beyond the frame: %w", op, ErrMalformed)
}

// walk walks the msgpack value at the start of b without decoding it and
// returns its length in bytes, or what is wrong with it: it must be
// complete, every length it declares must fit in the bytes that follow, and
// its arrays and maps, empty ones included, may nest at most MaxDepth deep.
// The msgpack library allocates what a length claims before reading (up to
// 1 MiB per string or skipped value, without limit for a slice), and it
// recurses once per level of nesting, so without this check a 10-byte frame
// could cost megabytes, or crash the process, and a 4 KB one hundreds of
// KiB of stack.
//
// The walk is iterative, with a fixed stack of the values still to read in
// each open container, so that it allocates nothing whatever the value.
func walk(b []byte) (int, walkResult) {
	size := len(b)
	var left [MaxDepth + 1]int // values still to read in each open container; [0] is the value itself
	left[0] = 1
	depth := 0
	pending := 1 // the sum of left: values still to read, each takes at least one byte
	for pending > 0 {
		for left[depth] == 0 {
			depth--
		}
		if len(b) < pending {
			return 0, walkShort
		}
		c := b[0]
		b = b[1:]
		left[depth]--
		pending--
		prefix, n, unit := shape(c)
		if unit == unitBad {
			return 0, walkBadCode
		}
		if prefix > 0 {
			n = lengthPrefix(&b, prefix)
		}
		body, values := 0, 0 // bytes to skip, values to read
		switch unit {
		case unitBytes:
			body = n
		case unitExt:
			body = n + 1 // the ext's type byte
		case unitValues:
			values = n
		case unitPairs:
			values = 2 * n
		}
		if n < 0 || body > len(b) || values > len(b)-body-pending {
			return 0, walkShort
		}
		b = b[body:]
		if unit == unitValues || unit == unitPairs {
			if depth == MaxDepth {
				return 0, walkDeep
			}
			if values > 0 {
				depth++
				left[depth] = values
				pending += values
			}
		}
	}
	return size - len(b), walkOK
}

// What a msgpack length counts.
const (
	unitBytes  = iota // bytes of the value's body
	unitExt           // an ext's data bytes, after its type byte
	unitValues        // the elements of an array
	unitPairs         // the key-value pairs of a map
	unitBad           // nothing: the never-used code 0xc1
)

// shape says how the msgpack value that starts with code c goes on: a
// big-endian length of prefix bytes follows the code, or with prefix 0 the
// code itself gives the length n; unit is what the length counts.
func shape(c byte) (prefix, n int, unit uint8) {
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return 0, 0, unitBytes // fixint, nil, false, true
	case c <= 0x8f:
		return 0, int(c & 0x0f), unitPairs // fixmap
	case c <= 0x9f:
		return 0, int(c & 0x0f), unitValues // fixarray
	case c <= 0xbf:
		return 0, int(c & 0x1f), unitBytes // fixstr
	case c == 0xc4 || c == 0xd9: // bin8, str8
		return 1, 0, unitBytes
	case c == 0xc5 || c == 0xda: // bin16, str16
		return 2, 0, unitBytes
	case c == 0xc6 || c == 0xdb: // bin32, str32
		return 4, 0, unitBytes
	case c >= 0xc7 && c <= 0xc9: // ext8, ext16, ext32
		return 1 << (c - 0xc7), 0, unitExt
	case c == 0xca || c == 0xce || c == 0xd2: // float32, uint32, int32
		return 0, 4, unitBytes
	case c == 0xcb || c == 0xcf || c == 0xd3: // float64, uint64, int64
		return 0, 8, unitBytes
	case c == 0xcc || c == 0xd0: // uint8, int8
		return 0, 1, unitBytes
	case c == 0xcd || c == 0xd1: // uint16, int16
		return 0, 2, unitBytes
	case c >= 0xd4 && c <= 0xd8: // fixext 1 to 16: type, data
		return 0, 1 + 1<<(c-0xd4), unitBytes
	case c == 0xdc: // array16
		return 2, 0, unitValues
	case c == 0xdd: // array32
		return 4, 0, unitValues
	case c == 0xde: // map16
		return 2, 0, unitPairs
	case c == 0xdf: // map32
		return 4, 0, unitPairs
	}
	return 0, 0, unitBad // 0xc1
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
