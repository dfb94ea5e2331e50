package netcode_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// FuzzDecode: no client input may crash the server. Decode never panics,
// fails only with the package's errors, and what it accepts re-encodes to
// a frame that decodes to the same message.
func FuzzDecode(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.hex"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no golden frames to seed with: %v", err)
	}
	for _, p := range paths {
		frame := readGolden(f, p)
		f.Add(frame)
		f.Add(withExtra(frame, []byte{0x91, 0xc0}))
	}
	for _, frame := range hugeClaims {
		f.Add(frame)
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

// reencode encodes m with the appender of its type.
func reencode(m netcode.Message) ([]byte, error) {
	switch m.Type {
	case netcode.MsgHello:
		return netcode.AppendHello(nil, m.Hello)
	case netcode.MsgInput:
		return netcode.AppendInput(nil, m.Seq, m.Payload), nil
	case netcode.MsgPong:
		return netcode.AppendPong(nil, m.Seq), nil
	case netcode.MsgChat:
		return netcode.AppendChat(nil, m.Text), nil
	case netcode.MsgLeave:
		return netcode.AppendLeave(nil), nil
	case netcode.MsgWelcome:
		return netcode.AppendWelcome(nil, m.Welcome)
	case netcode.MsgEvent:
		return netcode.AppendEvent(nil, m.Seq, m.Tick, m.Kind, m.Payload), nil
	case netcode.MsgPing:
		return netcode.AppendPing(nil, m.Seq, m.Millis, m.Tick, m.Ack), nil
	case netcode.MsgError:
		return netcode.AppendError(nil, m.Kind, m.Text), nil
	case netcode.MsgSnapshot:
		return netcode.AppendSnapshot(nil, m.Tick, m.Base, m.Ack, m.Payload), nil
	}
	return nil, errors.New("decoded a type that has no appender")
}
