package netcode_test

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// cat concatenates encoded pieces into one frame.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	str := func(s string) []byte { return mustMarshal(s) }
	cases := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"nil frame", nil, netcode.ErrMalformed},
		{"empty frame", []byte{}, netcode.ErrMalformed},
		{"never-used code", []byte{0xc1}, netcode.ErrMalformed},
		{"text", []byte("hello"), netcode.ErrMalformed},
		{"json", []byte(`[2,1,null]`), netcode.ErrMalformed},
		{"bare integer", []byte{0x05}, netcode.ErrMalformed},
		{"nil", []byte{0xc0}, netcode.ErrMalformed},
		{"map instead of array", []byte{0x81, 0x00, 0x05}, netcode.ErrMalformed},
		{"empty array", []byte{0x90}, netcode.ErrMalformed},
		{"empty array16", []byte{0xdc, 0x00, 0x00}, netcode.ErrMalformed},
		{"type is a string", cat([]byte{0x91}, str("leave")), netcode.ErrMalformed},
		{"type is a float", []byte{0x91, 0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0}, netcode.ErrMalformed},
		{"type is a bool", []byte{0x91, 0xc3}, netcode.ErrMalformed},
		{"type is an array", []byte{0x91, 0x91, 0x05}, netcode.ErrMalformed},
		{"type is negative", []byte{0x91, 0xff}, netcode.ErrMalformed},
		{"type 258 (would truncate to input)", []byte{0x93, 0xcd, 0x01, 0x02, 0x01, 0xc0}, netcode.ErrMalformed},
		{"type 261 (would truncate to leave)", []byte{0x91, 0xcd, 0x01, 0x05}, netcode.ErrMalformed},
		{"unknown type 0", []byte{0x91, 0x00}, netcode.ErrUnknownType},
		{"unknown type 6", []byte{0x91, 0x06}, netcode.ErrUnknownType},
		{"unknown type 15", []byte{0x91, 0x0f}, netcode.ErrUnknownType},
		{"unknown type 21", []byte{0x95, 0x15, 1, 2, 3, 4}, netcode.ErrUnknownType},
		{"unknown type 255", []byte{0x91, 0xcc, 0xff}, netcode.ErrUnknownType},

		{"hello without body", []byte{0x91, 0x01}, netcode.ErrMalformed},
		{"input without payload", []byte{0x92, 0x02, 0x01}, netcode.ErrMalformed},
		{"input without seq", []byte{0x91, 0x02}, netcode.ErrMalformed},
		{"pong without id", []byte{0x91, 0x03}, netcode.ErrMalformed},
		{"chat without text", []byte{0x91, 0x04}, netcode.ErrMalformed},
		{"welcome without body", []byte{0x91, 0x10}, netcode.ErrMalformed},
		{"event with 4 elements", cat([]byte{0x94, 0x11, 0x01, 0x02}, str("k")), netcode.ErrMalformed},
		{"ping with 4 elements", []byte{0x94, 0x12, 0x01, 0x02, 0x03}, netcode.ErrMalformed},
		{"error with 2 elements", cat([]byte{0x92, 0x13}, str("code")), netcode.ErrMalformed},
		{"snapshot with 4 elements", []byte{0x94, 0x14, 0x01, 0x00, 0x01}, netcode.ErrMalformed},
		{"too few elements, value follows the array", []byte{0x92, 0x02, 0x01, 0xc0}, netcode.ErrMalformed},

		{"input seq is a string", cat([]byte{0x93, 0x02}, str("1"), []byte{0xc0}), netcode.ErrMalformed},
		{"input seq is negative", []byte{0x93, 0x02, 0xff, 0xc0}, netcode.ErrMalformed},
		{"input seq over u32", []byte{0x93, 0x02, 0xcf, 0, 0, 0, 1, 0, 0, 0, 5, 0xc0}, netcode.ErrMalformed},
		{"input seq is a float", []byte{0x93, 0x02, 0xca, 0x3f, 0x80, 0, 0, 0xc0}, netcode.ErrMalformed},
		{"pong id is a string", cat([]byte{0x92, 0x03}, str("7")), netcode.ErrMalformed},
		{"chat text is an integer", []byte{0x92, 0x04, 0x07}, netcode.ErrMalformed},
		{"chat text is an array", []byte{0x92, 0x04, 0x90}, netcode.ErrMalformed},
		{"hello body is a string", cat([]byte{0x92, 0x01}, str("ada")), netcode.ErrMalformed},
		{"hello name is an integer", cat([]byte{0x92, 0x01, 0x81}, str("name"), []byte{0x07}), netcode.ErrMalformed},
		{"welcome body is an integer", []byte{0x92, 0x10, 0x07}, netcode.ErrMalformed},
		{"welcome players is a string", cat([]byte{0x92, 0x10, 0x81}, str("players"), str("x")), netcode.ErrMalformed},
		{"event kind is an integer", []byte{0x95, 0x11, 0x01, 0x02, 0x03, 0xc0}, netcode.ErrMalformed},
		{"event tick is a string", cat([]byte{0x95, 0x11, 0x01}, str("t"), str("k"), []byte{0xc0}), netcode.ErrMalformed},
		{"ping millis is a string", cat([]byte{0x95, 0x12, 0x01}, str("now"), []byte{0x02, 0x03}), netcode.ErrMalformed},
		{"error code is an integer", cat([]byte{0x93, 0x13, 0x01}, str("m")), netcode.ErrMalformed},
		{"snapshot tick is a string", cat([]byte{0x95, 0x14}, str("1"), []byte{0x00, 0x00, 0xc0}), netcode.ErrMalformed},
		{"snapshot ack over u32", []byte{0x95, 0x14, 0x01, 0x00, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0}, netcode.ErrMalformed},
		{"snapshot payload is the never-used code", []byte{0x95, 0x14, 0x01, 0x00, 0x01, 0xc1}, netcode.ErrMalformed},

		{"trailing byte after leave", cat(netcode.AppendLeave(nil), []byte{0x00}), netcode.ErrMalformed},
		{"trailing value after input", cat(netcode.AppendInput(nil, 1, nil), mustMarshal("x")), netcode.ErrMalformed},
		{"two messages in one frame", cat(netcode.AppendPong(nil, 1), netcode.AppendPong(nil, 2)), netcode.ErrMalformed},
	}
	d := netcode.NewDecoder()
	for _, tc := range cases {
		m, err := d.Decode(tc.frame)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Decode(% x) = %s, %v; want an error wrapping %q", tc.name, head(tc.frame), m.Type, err, tc.want)
		}
	}
}

// TestDecodeTruncated decodes every proper prefix of valid frames: each
// must fail as malformed (or, for a one-byte-short unknown frame, unknown),
// never panic, and never succeed.
func TestDecodeTruncated(t *testing.T) {
	t.Parallel()
	frames := goldenFrames(t)
	for i, v := range u32s {
		frames[fmt.Sprintf("snapshot#%d", i)] = netcode.AppendSnapshot(nil, v, v, v, raws[i%len(raws)])
		frames[fmt.Sprintf("event#%d", i)] = netcode.AppendEvent(nil, v, v, strs[i%len(strs)], raws[i%len(raws)])
		frames[fmt.Sprintf("ping#%d", i)] = netcode.AppendPing(nil, v, int64(v)<<8, v, v)
		frames[fmt.Sprintf("chat#%d", i)] = netcode.AppendChat(nil, strs[i%len(strs)])
	}
	d := netcode.NewDecoder()
	for name, frame := range frames {
		step := 1
		if len(frame) > 4096 {
			step = 97 // long strings: every byte of the header, then a sample
		}
		for n := 0; n < len(frame); n++ {
			if n > 64 && n < len(frame)-64 && n%step != 0 {
				continue
			}
			m, err := d.Decode(frame[:n])
			if err == nil {
				t.Errorf("%s: Decode of %d of %d bytes succeeded as %s, want an error", name, n, len(frame), m.Type)
			} else if !errors.Is(err, netcode.ErrMalformed) {
				t.Errorf("%s: Decode of %d of %d bytes: %v, want an error wrapping %q", name, n, len(frame), err, netcode.ErrMalformed)
			}
		}
		if _, err := d.Decode(frame); err != nil {
			t.Errorf("%s: whole frame: %v", name, err)
		}
	}
}

// withExtra appends elements to an encoded message: the array header's
// count grows by len(extra). Only for fixarray headers.
func withExtra(frame []byte, extra ...[]byte) []byte {
	out := append([]byte(nil), frame...)
	out[0] += byte(len(extra))
	return cat(append([][]byte{out}, extra...)...)
}

// TestDecodeAcceptsTrailingElements: a later protocol version may append
// fields to a message; this version reads the ones it knows and skips the
// rest, whatever their shape.
func TestDecodeAcceptsTrailingElements(t *testing.T) {
	t.Parallel()
	extras := [][]byte{
		mustMarshal("new field"),
		{0x93, 0x01, 0x02, 0x03},
		mustMarshal(map[string]any{"k": []any{1, "x", nil}}),
		{0xc0},
		{0xd6, 0xff, 0, 0, 0, 1}, // ext (timestamp)
	}
	for name, frame := range goldenFrames(t) {
		want := decode(t, frame)
		got := decode(t, withExtra(frame, extras...))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s with trailing elements: got %+v, want %+v", name, got, want)
		}
	}
	// The array16 header too.
	frame := cat([]byte{0xdc, 0x00, 0x04, 0x03, 0x07}, extras[0], extras[1])
	if got := decode(t, frame); got.Type != netcode.MsgPong || got.Seq != 7 {
		t.Errorf("pong in an array16 with extras: got %s %d, want pong 7", got.Type, got.Seq)
	}
}

// hugeClaims are tiny frames whose length prefixes claim gigabytes. The
// msgpack library allocates what a prefix claims (up to 1 MiB at a time
// for strings, without limit for slices), so a decoder that trusts them
// can be made to allocate megabytes per 10-byte frame, or crash.
var hugeClaims = map[string][]byte{
	"chat str32":               {0x92, 0x04, 0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
	"chat str16":               {0x92, 0x04, 0xda, 0xff, 0xff, 'a'},
	"error bin32 code":         {0x93, 0x13, 0xc6, 0x7f, 0xff, 0xff, 0xff, 0xa0},
	"input bin32 payload":      {0x93, 0x02, 0x01, 0xc6, 0xff, 0xff, 0xff, 0xff},
	"input str32 payload":      {0x93, 0x02, 0x01, 0xdb, 0x10, 0x00, 0x00, 0x00, 'x'},
	"input ext32 payload":      {0x93, 0x02, 0x01, 0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
	"input array32 payload":    {0x93, 0x02, 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0},
	"input map32 payload":      {0x93, 0x02, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0},
	"event str32 kind":         {0x95, 0x11, 0x01, 0x02, 0xdb, 0x00, 0xff, 0xff, 0xff, 0xc0},
	"leave with array32 extra": {0xdd, 0xff, 0xff, 0xff, 0xff, 0x05},
	"hello map32":              {0x92, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0},
	"hello str32 name":         {0x92, 0x01, 0x81, 0xa4, 'n', 'a', 'm', 'e', 0xdb, 0xff, 0xff, 0xff, 0xff},
	"welcome players array32":  {0x92, 0x10, 0x81, 0xa7, 'p', 'l', 'a', 'y', 'e', 'r', 's', 0xdd, 0x00, 0x10, 0x00, 0x00},
	"welcome config str32":     {0x92, 0x10, 0x81, 0xa6, 'c', 'o', 'n', 'f', 'i', 'g', 0xdb, 0x7f, 0xff, 0xff, 0xff},
}

// TestDecodeHugeLengthClaims checks that such frames are rejected without
// allocating what they claim. It does not run in parallel: it measures the
// process's allocations.
func TestDecodeHugeLengthClaims(t *testing.T) {
	const rounds, budget = 10, 1 << 20 // a buggy decoder allocates ≥ 1 MiB per round
	d := netcode.NewDecoder()
	for name, frame := range hugeClaims {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range rounds {
			if m, err := d.Decode(frame); !errors.Is(err, netcode.ErrMalformed) {
				t.Errorf("%s: Decode = %s, %v; want an error wrapping %q", name, m.Type, err, netcode.ErrMalformed)
			}
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > budget {
			t.Errorf("%s: %d decodes of a %d-byte frame allocated %d bytes, want at most %d", name, rounds, len(frame), got, budget)
		}
	}
}
