package netcode_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

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
		{"unknown type 7", []byte{0x91, 0x07}, netcode.ErrUnknownType},
		{"unknown type 15", []byte{0x91, 0x0f}, netcode.ErrUnknownType},
		{"unknown type 23", []byte{0x95, 0x17, 1, 2, 3, 4}, netcode.ErrUnknownType},
		{"history lines not an array", []byte{0x92, 0x16, 0x01}, netcode.ErrMalformed},
		{"history lines nil", []byte{0x92, 0x16, 0xc0}, netcode.ErrMalformed},
		{"history line of 3", cat([]byte{0x92, 0x16, 0x91, 0x93}, str("a"), str("b"), []byte{0x01}), netcode.ErrMalformed},
		{"history time is a string", cat([]byte{0x92, 0x16, 0x91, 0x94}, str("a"), str("b"), str("1"), []byte{0x00}), netcode.ErrMalformed},
		{"history name is an integer", cat([]byte{0x92, 0x16, 0x91, 0x94, 0x01}, str("b"), []byte{0x01, 0x00}), netcode.ErrMalformed},
		{"unknown type 255", []byte{0x91, 0xcc, 0xff}, netcode.ErrUnknownType},

		{"hello without body", []byte{0x91, 0x01}, netcode.ErrMalformed},
		{"request id 0", netcode.AppendRequest(nil, 0, "room.info", nil), netcode.ErrMalformed},
		{"request without data", []byte{0x93, 0x06, 0x01, 0xa1, 'x'}, netcode.ErrMalformed},
		{"request kind not a string", []byte{0x94, 0x06, 0x01, 0x01, 0xc0}, netcode.ErrMalformed},
		{"reply without data", []byte{0x94, 0x15, 0x01, 0xa0, 0xa0}, netcode.ErrMalformed},
		{"error without seq (v1)", []byte{0x93, 0x13, 0xa1, 'c', 0xa1, 'm'}, netcode.ErrMalformed},
		{"snapshot payload not a bin (v1)", []byte{0x95, 0x14, 0x01, 0x00, 0x00, 0x91, 0x01}, netcode.ErrMalformed},
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
	if got := decode(t, frame); got.Type != netcode.MsgPong || got.ID != 7 {
		t.Errorf("pong in an array16 with extras: got %s %d, want pong 7", got.Type, got.ID)
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

// nest wraps v in n arrays of one element each: n levels of nesting.
func nest(n int, v []byte) []byte {
	return append(bytes.Repeat([]byte{0x91}, n), v...)
}

// nestMaps wraps v in n maps of one entry each, {"k": {"k": … v}}.
func nestMaps(n int, v []byte) []byte {
	return append(bytes.Repeat([]byte{0x81, 0xa1, 'k'}, n), v...)
}

// nest16 wraps v in n array16 headers of one element each.
func nest16(n int, v []byte) []byte {
	return append(bytes.Repeat([]byte{0xdc, 0x00, 0x01}, n), v...)
}

// wantTooDeep checks that err refuses a value nested deeper than MaxDepth.
func wantTooDeep(err error) error {
	if !errors.Is(err, netcode.ErrMalformed) || !errors.Is(err, netcode.ErrTooDeep) {
		return fmt.Errorf("error %v, want one wrapping %q and %q", err, netcode.ErrMalformed, netcode.ErrTooDeep)
	}
	if !strings.Contains(err.Error(), "nested deeper than 16") {
		return fmt.Errorf("error %q does not say %q", err, "nested deeper than 16")
	}
	return nil
}

// TestDecodeRefusesNestingDeeperThan16: a frame's arrays and maps may nest
// MaxDepth = 16 deep, the frame's own array included, so an input's payload
// 15; one level more is refused as malformed before the msgpack library,
// which recurses once per level, reads the frame.
func TestDecodeRefusesNestingDeeperThan16(t *testing.T) {
	t.Parallel()
	if got, want := netcode.MaxDepth, 16; got != want {
		t.Fatalf("MaxDepth = %d, want the documented %d", got, want)
	}
	input := func(payload []byte) []byte { return netcode.AppendInput(nil, 1, payload) }
	view, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", View: []int{1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	hello4080 := cat([]byte{0x92, 0x01, 0x81, 0xa1, 'x'}, nest(4080, []byte{0xc0}))
	if len(hello4080) > netcode.DefaultReadLimit {
		t.Fatalf("test frame: %d bytes, want at most the %d of the read limit", len(hello4080), netcode.DefaultReadLimit)
	}
	accepted := map[string][]byte{
		"hello with a view (3 deep)":               view,
		"input payload of 15 arrays":               input(nest(15, []byte{0x01})),
		"input payload of 15 maps":                 input(nestMaps(15, []byte{0x01})),
		"input payload of 15 array16s":             input(nest16(15, []byte{0x01})),
		"input payload of 14 arrays and an empty":  input(nest(14, []byte{0x90})),
		"input payload 15 deep in a map key":       input(cat([]byte{0x81}, nest(14, []byte{0x01}), []byte{0xc0})),
		"input payload 15 deep, then a flat value": input(cat([]byte{0x92}, nest(14, []byte{0x01}), []byte{0x02})),
		"leave with a trailing element 15 deep":    withExtra(netcode.AppendLeave(nil), nest(15, []byte{0xc0})),
	}
	refused := map[string][]byte{
		"input payload of 16 arrays":                   input(nest(16, []byte{0x01})),
		"input payload of 16 maps":                     input(nestMaps(16, []byte{0x01})),
		"input payload of 16 array16s":                 input(nest16(16, []byte{0x01})),
		"input payload of 15 arrays and an empty":      input(nest(15, []byte{0x90})),
		"input payload of 15 arrays and an empty map":  input(nest(15, []byte{0x80})),
		"input payload 16 deep in a map key":           input(cat([]byte{0x81}, nest(15, []byte{0x01}), []byte{0xc0})),
		"input payload 16 deep after a flat value":     input(cat([]byte{0x92, 0x02}, nest(15, []byte{0x01}))),
		"input payload of 4,000 arrays":                input(nest(4000, []byte{0xc0})),
		"input payload of 4,000 arrays, truncated":     input(nest(4000, nil)),
		"leave with a trailing element 16 deep":        withExtra(netcode.AppendLeave(nil), nest(16, []byte{0xc0})),
		"hello nesting 4,080 arrays in 4 KB":           hello4080,
		"hello body nesting 4,080 arrays":              cat([]byte{0x92, 0x01}, nest(4080, []byte{0xc0})),
		"welcome config nesting 4,000 arrays":          cat([]byte{0x92, 0x10, 0x81, 0xa6, 'c', 'o', 'n', 'f', 'i', 'g'}, nest(4000, []byte{0xc0})),
		"frame of 17 arrays, the type 16 deep":         nest(17, []byte{0x05}),
		"array32 of one element in 16 nested array32s": append(bytes.Repeat([]byte{0xdd, 0, 0, 0, 1}, 17), 0xc0),
	}
	d := netcode.NewDecoder()
	for name, frame := range accepted {
		if _, err := d.Decode(frame); err != nil {
			t.Errorf("%s: Decode: %v, want it accepted (at most %d deep)", name, err, netcode.MaxDepth)
		}
	}
	for name, frame := range refused {
		m, err := d.Decode(frame)
		if err == nil {
			t.Errorf("%s: Decode accepted a %s, want it refused as nested deeper than %d", name, m.Type, netcode.MaxDepth)
		} else if e := wantTooDeep(err); e != nil {
			t.Errorf("%s: %v", name, e)
		}
	}
}

func TestCheckValueAllowsDepth16(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		value   []byte
		wantErr error // nil: accepted
		deep    bool
	}{
		{"scalar", []byte{0x05}, nil, false},
		{"16 arrays", nest(16, []byte{0x05}), nil, false},
		{"16 maps", nestMaps(16, []byte{0x05}), nil, false},
		{"17 arrays", nest(17, []byte{0x05}), netcode.ErrMalformed, true},
		{"16 arrays and an empty map", nest(16, []byte{0x80}), netcode.ErrMalformed, true},
		{"1 MiB of nested arrays", nest(1<<20, []byte{0xc0}), netcode.ErrMalformed, true},
		{"empty", nil, netcode.ErrMalformed, false},
		{"truncated", []byte{0x92, 0x01}, netcode.ErrMalformed, false},
		{"a byte after the value", []byte{0x91, 0x01, 0x02}, netcode.ErrMalformed, false},
		{"never-used code", []byte{0x91, 0xc1}, netcode.ErrMalformed, false},
	} {
		err := netcode.CheckValue(tc.value)
		switch {
		case tc.wantErr == nil && err != nil:
			t.Errorf("%s: CheckValue = %v, want nil", tc.name, err)
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s: CheckValue = %v, want an error wrapping %q", tc.name, err, tc.wantErr)
		case errors.Is(err, netcode.ErrTooDeep) != tc.deep:
			t.Errorf("%s: CheckValue = %v; wraps ErrTooDeep: got %v, want %v", tc.name, err, !tc.deep, tc.deep)
		}
	}
}

// TestCheckValueAllocs: the pre-walk of every frame allocates nothing, however
// deep. Not parallel: testing.AllocsPerRun refuses to be.
func TestCheckValueAllocs(t *testing.T) {
	for name, v := range map[string][]byte{
		"16 arrays":    nest(16, []byte{0x05}),
		"16 maps":      nestMaps(16, []byte{0x05}),
		"golden hello": goldenFrames(t)["hello"],
		"wide array":   append([]byte{0xdc, 0x03, 0xe8}, bytes.Repeat([]byte{0x92, 0x01, 0x90}, 1000)...),
	} {
		if got := testing.AllocsPerRun(100, func() {
			if err := netcode.CheckValue(v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}); got != 0 {
			t.Errorf("%s: CheckValue allocates %v times, want 0", name, got)
		}
	}
}

// TestReadValueStopsPastDepth16 reads values one after another from a
// stream, as a recording is read, and checks the bytes of each, and that a
// value nested deeper than MaxDepth is refused as soon as the walk meets
// its 17th level, without reading the rest of the stream.
func TestReadValueStopsPastDepth16(t *testing.T) {
	t.Parallel()
	values := [][]byte{
		{0x05}, {0xc0}, nest(16, []byte{0x05}), nestMaps(15, []byte{0x90}),
		mustMarshal(map[string]any{"k": []any{1, "x", nil, 2.5}}),
		{0xd6, 0xff, 0, 0, 0, 1},                  // fixext 4 (timestamp)
		{0xc7, 0x02, 0x05, 0xaa, 0xbb},            // ext8
		{0xc8, 0x00, 0x01, 0x05, 0xaa},            // ext16
		mustMarshal(strings.Repeat("z", 200_000)), // str32, more than a read chunk
		append([]byte{0xdd, 0, 0, 0, 3}, 0x01, 0x02, 0x03),
	}
	for _, r := range raws {
		values = append(values, wantRaw(r))
	}
	for _, frame := range goldenFrames(t) {
		values = append(values, frame)
	}
	r := bufio.NewReader(bytes.NewReader(cat(values...)))
	var buf []byte
	for i, want := range values {
		got, err := netcode.ReadValue(buf[:0], r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("value %d: ReadValue = % x, %v; want % x", i, head(got), err, head(want))
		}
		buf = got
	}
	if _, err := netcode.ReadValue(nil, r); !errors.Is(err, io.EOF) {
		t.Errorf("at the end of the stream: ReadValue = %v, want io.EOF", err)
	}

	const huge = 5 << 20
	for name, v := range map[string][]byte{
		"17 arrays":              nest(17, []byte{0x05}),
		"5 MB of nested arrays":  nest(huge, []byte{0x05}),
		"5 MB of nested maps":    nestMaps(huge/3, []byte{0x05}),
		"5 MB of nested array16": nest16(huge/3, []byte{0x05}),
	} {
		br := bytes.NewReader(v)
		_, err := netcode.ReadValue(nil, br)
		if e := wantTooDeep(err); e != nil {
			t.Errorf("%s: %v", name, e)
		}
		if read := br.Size() - int64(br.Len()); read > 3*(netcode.MaxDepth+1) {
			t.Errorf("%s: read %d bytes, want it to stop at the %dth level", name, read, netcode.MaxDepth+1)
		}
	}
}

func TestReadValueErrors(t *testing.T) {
	t.Parallel()
	errRead := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		r    netcode.ValueReader
		want error
	}{
		{"empty", bytes.NewReader(nil), io.EOF},
		{"truncated array", bytes.NewReader([]byte{0x92, 0x01}), io.ErrUnexpectedEOF},
		{"truncated length", bytes.NewReader([]byte{0xdb, 0x00}), io.ErrUnexpectedEOF},
		{"truncated string", bytes.NewReader([]byte{0xa3, 'a'}), io.ErrUnexpectedEOF},
		{"never-used code", bytes.NewReader([]byte{0x91, 0xc1}), netcode.ErrMalformed},
		{"failing reader", bufio.NewReader(io.MultiReader(bytes.NewReader([]byte{0x92}), iotest.ErrReader(errRead))), errRead},
	} {
		if _, err := netcode.ReadValue(nil, tc.r); !errors.Is(err, tc.want) {
			t.Errorf("%s: ReadValue = %v, want an error wrapping %q", tc.name, err, tc.want)
		}
	}
}

// TestReadValueHugeLengthClaims: a length that claims gigabytes costs no more
// than the bytes the stream holds. Not parallel: it measures the process's
// allocations.
func TestReadValueHugeLengthClaims(t *testing.T) {
	// Each read may allocate its first chunk (64 KiB); one that trusts the
	// claim allocates gigabytes.
	const budget = 4 << 20
	for name, v := range map[string][]byte{
		"str32":   {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"bin32":   {0xc6, 0x7f, 0xff, 0xff, 0xff, 'a'},
		"ext32":   {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 'a'},
		"array32": {0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0},
		"map32":   {0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			if _, err := netcode.ReadValue(nil, bytes.NewReader(v)); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s: ReadValue = %v, want io.ErrUnexpectedEOF", name, err)
			}
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > budget {
			t.Errorf("%s: 10 reads of a %d-byte stream allocated %d bytes, want at most %d", name, len(v), got, budget)
		}
	}
}
