package netcode_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/tickroom/tickroom/netcode"
)

// FuzzDecode: no client input may crash the server. Decode never panics,
// fails only with the package's errors, and what it accepts re-encodes to
// a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	vectors := readVectors(f)
	if len(vectors) == 0 {
		f.Fatal("no golden frames to seed with")
	}
	for _, v := range vectors {
		frame := vectorBytes(f, v)
		f.Add(frame)
		f.Add(withExtra(frame, []byte{0x91, 0xc0}))
	}
	for _, frame := range hugeClaims {
		f.Add(frame)
	}
	for _, key := range []string{"k", strings.Repeat("k", 15), strings.Repeat("k", 16), strings.Repeat("~", 128), strings.Repeat("k", 129),
		"0123456789abcde\x7f", "0123456789 abcdef", "0123456789abcdé", "\x00123456789abcdef"} {
		hello, err := netcode.AppendHello(nil, &netcode.Hello{Key: key})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(hello)
	}
	for _, garbage := range [][]byte{
		{}, {0xc1}, {0x90}, {0x91}, {0x91, 0xc0}, {0x9f}, {0xdc, 0xff, 0xff},
		{0x92, 0x01, 0xc0}, {0x92, 0x01, 0x90}, {0x92, 0x10, 0x81, 0xa7, 'p', 'l', 'a', 'y', 'e', 'r', 's', 0x91, 0x91, 0x01},
		[]byte("GET / HTTP/1.1\r\n"),
		{0x95, 0x12, 0x01, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x03}, // ping, negative millis
	} {
		f.Add(garbage)
	}

	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := netcode.NewDecoder().Decode(frame)
		if err != nil {
			if !errors.Is(err, netcode.ErrMalformed) && !errors.Is(err, netcode.ErrUnknownType) {
				t.Fatalf("Decode error %v wraps neither ErrMalformed nor ErrUnknownType", err)
			}
			return
		}
		if m.Type == netcode.MsgHello {
			checkKey(t, m.Hello.Key)
		}
		again, err := reencode(m)
		if err != nil {
			t.Fatalf("re-encode %s: %v", m.Type, err)
		}
		got, err := netcode.NewDecoder().Decode(again)
		if err != nil {
			t.Fatalf("decode re-encoded %s (% x): %v", m.Type, again, err)
		}
		want := m
		if want.Type == netcode.MsgPing {
			want.Millis = max(want.Millis, 0) // the wire field is unsigned; AppendPing clamps
		}
		if want.Type == netcode.MsgWelcome && len(want.Welcome.Config) == 0 {
			w := *want.Welcome
			w.Config = nil // an empty or nil config encodes as msgpack nil, which decodes as nil
			want.Welcome = &w
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("re-encoded %s decodes differently:\n got %+v\nwant %+v", m.Type, got, want)
		}
	})
}

// checkKey: CheckKey takes exactly the keys of 16 to 128 printable ASCII
// bytes (or none), and its error never quotes the key.
func checkKey(t *testing.T, key string) {
	t.Helper()
	want := key == "" || len(key) >= 16 && len(key) <= 128 && !strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e })
	err := netcode.CheckKey(key)
	if (err == nil) != want {
		t.Fatalf("CheckKey(%q) = %v, want ok=%v", key, err, want)
	}
	if err != nil && (!errors.Is(err, netcode.ErrBadKey) || len(key) >= 4 && strings.Contains(err.Error(), key)) {
		t.Fatalf("CheckKey(%q) = %v: does not wrap ErrBadKey, or quotes the key", key, err)
	}
}

// reencode encodes m with the appender of its type.
func reencode(m netcode.Message) ([]byte, error) {
	switch m.Type {
	case netcode.MsgHello:
		return netcode.AppendHello(nil, m.Hello)
	case netcode.MsgInput:
		return netcode.AppendInput(nil, m.Seq, m.Payload), nil
	case netcode.MsgPong:
		return netcode.AppendPong(nil, m.ID), nil
	case netcode.MsgChat:
		return netcode.AppendChat(nil, m.Text), nil
	case netcode.MsgLeave:
		return netcode.AppendLeave(nil), nil
	case netcode.MsgWelcome:
		return netcode.AppendWelcome(nil, m.Welcome)
	case netcode.MsgEvent:
		return netcode.AppendEvent(nil, m.Seq, m.Tick, m.Kind, m.Payload), nil
	case netcode.MsgPing:
		return netcode.AppendPing(nil, m.ID, m.Millis, m.Tick, m.RTTMillis), nil
	case netcode.MsgError:
		return netcode.AppendError(nil, m.Code, m.Text, m.Seq), nil
	case netcode.MsgSnapshot:
		return netcode.AppendSnapshot(nil, m.Tick, m.Base, m.Ack, m.Payload), nil
	case netcode.MsgRequest:
		return netcode.AppendRequest(nil, m.ID, m.Kind, m.Payload), nil
	case netcode.MsgReply:
		return netcode.AppendReply(nil, m.ID, m.Code, m.Text, m.Payload), nil
	case netcode.MsgHistory:
		return netcode.AppendHistory(nil, m.History), nil
	}
	return nil, errors.New("decoded a type that has no appender")
}

// FuzzDecodeDepth: no frame, however nested, may crash the server or reach
// the msgpack library deeper than MaxDepth. Decode never panics; a frame it
// accepts is, as the library reads it, one complete value at most MaxDepth
// deep; a frame it refuses as too deep does hold a container past
// MaxDepth. CheckValue and ReadValue agree with each other the same way.
func FuzzDecodeDepth(f *testing.F) {
	vectors := readVectors(f)
	if len(vectors) == 0 {
		f.Fatal("no golden frames to seed with")
	}
	for _, v := range vectors {
		frame := vectorBytes(f, v)
		f.Add(frame)
		f.Add(withExtra(frame, nest(14, []byte{0xc0})))
		f.Add(withExtra(frame, nest(15, []byte{0xc0})))
	}
	for _, n := range []int{14, 15, 16, 17, 100} {
		f.Add(netcode.AppendInput(nil, 1, nest(n, []byte{0x01})))
		f.Add(netcode.AppendInput(nil, 1, nestMaps(n, []byte{0x01})))
		f.Add(netcode.AppendInput(nil, 1, nest16(n, []byte{0x90})))
		f.Add(nest(n, nil))
	}
	f.Add(cat([]byte{0x92, 0x01, 0x81, 0xa1, 'x'}, nest(4080, []byte{0xc0})))
	f.Add(netcode.AppendInput(nil, 1, cat([]byte{0x81}, nest(15, []byte{0x01}), []byte{0xc0})))
	f.Add(netcode.AppendInput(nil, 1, cat([]byte{0x92, 0x02}, nest(15, []byte{0x01}))))
	f.Add(append(bytes.Repeat([]byte{0xdd, 0, 0, 0, 2}, 17), 0xc0))

	f.Fuzz(func(t *testing.T, frame []byte) {
		lib, libErr := libDepth(frame)
		m, err := netcode.NewDecoder().Decode(frame)
		switch {
		case err == nil:
			if libErr != nil {
				t.Fatalf("Decode accepted %s, but the library reads the frame: %v", m.Type, libErr)
			}
			if lib > netcode.MaxDepth {
				t.Fatalf("Decode accepted %s nested %d deep, want at most %d", m.Type, lib, netcode.MaxDepth)
			}
		case errors.Is(err, netcode.ErrTooDeep):
			if !errors.Is(err, netcode.ErrMalformed) {
				t.Fatalf("Decode error %v wraps ErrTooDeep without ErrMalformed", err)
			}
			if !errors.Is(libErr, errLibTooDeep) {
				t.Fatalf("Decode refused the frame as too deep (%v), but the library reads it as %d deep, %v", err, lib, libErr)
			}
		case !errors.Is(err, netcode.ErrMalformed) && !errors.Is(err, netcode.ErrUnknownType):
			t.Fatalf("Decode error %v wraps neither ErrMalformed nor ErrUnknownType", err)
		}

		checkErr := netcode.CheckValue(frame)
		if checkErr == nil && (libErr != nil || lib > netcode.MaxDepth) {
			t.Fatalf("CheckValue accepted a value the library reads as %d deep, %v", lib, libErr)
		}
		if err == nil && checkErr != nil {
			t.Fatalf("Decode accepted a frame that CheckValue refuses: %v", checkErr)
		}
		r := bytes.NewReader(frame)
		v, readErr := netcode.ReadValue(nil, r)
		if !bytes.Equal(v, frame[:len(v)]) {
			t.Fatalf("ReadValue returned % x, not a prefix of the stream", v)
		}
		switch {
		case checkErr == nil && (readErr != nil || len(v) != len(frame)):
			t.Fatalf("CheckValue accepted the frame, ReadValue read %d of %d bytes: %v", len(v), len(frame), readErr)
		case errors.Is(checkErr, netcode.ErrTooDeep) && !errors.Is(readErr, netcode.ErrTooDeep):
			t.Fatalf("CheckValue refused the frame as too deep, ReadValue: %v", readErr)
		case readErr == nil:
			if err := netcode.CheckValue(v); err != nil {
				t.Fatalf("ReadValue read a value that CheckValue refuses: %v", err)
			}
		case !errors.Is(readErr, netcode.ErrMalformed) && !errors.Is(readErr, io.EOF) && !errors.Is(readErr, io.ErrUnexpectedEOF):
			t.Fatalf("ReadValue error %v wraps none of ErrMalformed, io.EOF, io.ErrUnexpectedEOF", readErr)
		}
	})
}

// errLibTooDeep: libDepth met a container past MaxDepth and went no deeper.
var errLibTooDeep = errors.New("library walk: nested deeper than MaxDepth")

// libDepth walks the msgpack value b holds with the msgpack library's own
// reading of the codes, recursively, and returns how deeply its arrays and
// maps nest. It recurses no deeper than MaxDepth+1, and fails if b is not
// exactly one value.
func libDepth(b []byte) (int, error) {
	r := bytes.NewReader(b)
	dec := msgpack.NewDecoder(r)
	depth, err := libWalk(dec, 0)
	if err == nil && r.Len() != 0 {
		err = errors.New("library walk: bytes after the value")
	}
	return depth, err
}

// libWalk reads one value at the given level (0: the top) and returns the
// depth it reaches.
func libWalk(dec *msgpack.Decoder, level int) (int, error) {
	c, err := dec.PeekCode()
	if err != nil {
		return level, err
	}
	var n int
	switch {
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err = dec.DecodeArrayLen()
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err = dec.DecodeMapLen()
		n *= 2
	default:
		return level, dec.Skip() // a scalar: the library does not recurse
	}
	if err != nil {
		return level, err
	}
	if level+1 > netcode.MaxDepth {
		return level + 1, errLibTooDeep
	}
	deepest := level + 1
	for range n {
		d, err := libWalk(dec, level+1)
		deepest = max(deepest, d)
		if err != nil {
			return deepest, err
		}
	}
	return deepest, nil
}
