package netcode_test

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/netcode"
)

// u32s are the boundaries of msgpack's integer encodings.
var u32s = []uint32{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32 - 1, math.MaxUint32}

// strs are the boundaries of msgpack's string encodings.
var strs = []string{
	"",
	strings.Repeat("a", 31),
	strings.Repeat("b", 32),
	strings.Repeat("c", 255),
	strings.Repeat("d", 256),
	strings.Repeat("e", 65535),
	strings.Repeat("f", 65536),
	strings.Repeat("g", 70000),
	"héllo, 世界",
}

// raws are msgpack payloads as a room or client passes them; nil stands for
// msgpack nil.
var raws = [][]byte{
	nil,
	{0xc0},
	{0x00},
	{0x92, 0x01, 0xff},                    // [1, -1]
	{0x81, 0xa1, 'k', 0xa1, 'v'},          // {"k": "v"}
	mustMarshal(map[string]any{"x": 1.5}), // a float inside a map
	mustMarshal(bytes.Repeat([]byte{7}, 800)), // bin8 … bin16, like a packed snapshot
	mustMarshal(strings.Repeat("z", 70000)),   // str32
}

func mustMarshal(v any) []byte {
	b, err := msgpack.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wantRaw is what a decoder gives back for a spliced payload.
func wantRaw(p []byte) []byte {
	if len(p) == 0 {
		return []byte{0xc0}
	}
	return p
}

func decode(t *testing.T, frame []byte) netcode.Message {
	t.Helper()
	m, err := netcode.NewDecoder().Decode(frame)
	if err != nil {
		t.Fatalf("Decode(% x): %v", head(frame), err)
	}
	return m
}

// head shortens a frame for error messages.
func head(b []byte) []byte {
	if len(b) > 48 {
		return b[:48]
	}
	return b
}

func TestRoundTripSnapshot(t *testing.T) {
	t.Parallel()
	for i, tick := range u32s {
		base, ack := u32s[(i+3)%len(u32s)], u32s[(i+7)%len(u32s)]
		for _, p := range raws {
			frame := netcode.AppendSnapshot(nil, tick, base, ack, p)
			got := decode(t, frame)
			// The payload is the bin's content: the bytes as given.
			want := netcode.Message{Type: netcode.MsgSnapshot, Tick: tick, Base: base, Ack: ack, Payload: got.Payload}
			if !reflect.DeepEqual(got, want) || !bytes.Equal(got.Payload, p) {
				t.Errorf("snapshot(%d, %d, %d, % x): got %+v, want %+v", tick, base, ack, head(p), got, want)
			}
		}
	}
}

func TestRoundTripEvent(t *testing.T) {
	t.Parallel()
	for i, seq := range u32s {
		tick := u32s[(i+5)%len(u32s)]
		for j, kind := range strs {
			p := raws[(i+j)%len(raws)]
			frame := netcode.AppendEvent(nil, seq, tick, kind, p)
			got := decode(t, frame)
			want := netcode.Message{Type: netcode.MsgEvent, Seq: seq, Tick: tick, Kind: kind, Payload: wantRaw(p)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event(%d, %d, kind of %d bytes): got %+v, want %+v", seq, tick, len(kind), got.Type, want.Type)
			}
		}
	}
}

func TestRoundTripPing(t *testing.T) {
	t.Parallel()
	millis := []int64{0, 1, 127, 128, 1 << 32, 1_700_000_000_000, math.MaxInt64}
	for i, id := range u32s {
		for _, ms := range millis {
			tick, rtt := u32s[(i+1)%len(u32s)], u32s[(i+2)%len(u32s)]
			got := decode(t, netcode.AppendPing(nil, id, ms, tick, rtt))
			want := netcode.Message{Type: netcode.MsgPing, ID: id, Millis: ms, Tick: tick, RTTMillis: rtt}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ping: got %+v, want %+v", got, want)
			}
		}
	}
	// A negative server time is clamped to 0: the wire field is unsigned.
	got := decode(t, netcode.AppendPing(nil, 1, -5, 2, 3))
	if got.Millis != 0 {
		t.Errorf("ping with millis -5: got millis %d, want 0", got.Millis)
	}
}

func TestRoundTripError(t *testing.T) {
	t.Parallel()
	for i, code := range strs {
		msg := strs[(i+4)%len(strs)]
		got := decode(t, netcode.AppendError(nil, code, msg, 7))
		if got.Type != netcode.MsgError || got.Code != code || got.Text != msg || got.Seq != 7 {
			t.Errorf("error(%d bytes, %d bytes): got type %s, code of %d bytes, text of %d bytes",
				len(code), len(msg), got.Type, len(got.Code), len(got.Text))
		}
	}
}

func TestRoundTripInput(t *testing.T) {
	t.Parallel()
	for i, seq := range u32s {
		for j := range raws {
			p := raws[(i+j)%len(raws)]
			got := decode(t, netcode.AppendInput(nil, seq, p))
			want := netcode.Message{Type: netcode.MsgInput, Seq: seq, Payload: wantRaw(p)}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("input(%d, % x): got %+v, want %+v", seq, head(p), got, want)
			}
		}
	}
}

func TestRoundTripPong(t *testing.T) {
	t.Parallel()
	for _, id := range u32s {
		got := decode(t, netcode.AppendPong(nil, id))
		want := netcode.Message{Type: netcode.MsgPong, ID: id}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pong(%d): got %+v, want %+v", id, got, want)
		}
	}
}

func TestRoundTripChat(t *testing.T) {
	t.Parallel()
	for _, text := range strs {
		got := decode(t, netcode.AppendChat(nil, text))
		if got.Type != netcode.MsgChat || got.Text != text {
			t.Errorf("chat of %d bytes: got %s with %d bytes", len(text), got.Type, len(got.Text))
		}
	}
}

func TestRoundTripLeave(t *testing.T) {
	t.Parallel()
	got := decode(t, netcode.AppendLeave(nil))
	if want := (netcode.Message{Type: netcode.MsgLeave}); !reflect.DeepEqual(got, want) {
		t.Errorf("leave: got %+v, want %+v", got, want)
	}
}

func TestRoundTripHello(t *testing.T) {
	t.Parallel()
	hellos := []netcode.Hello{
		{},
		{Name: "ada", Game: "snake"},
		{Spectator: true},
	}
	for i, s := range strs {
		hellos = append(hellos, netcode.Hello{
			Name:        s,
			Game:        strs[(i+1)%len(strs)],
			Room:        strs[(i+2)%len(strs)],
			Reservation: strs[(i+3)%len(strs)],
			Session:     strs[(i+4)%len(strs)],
			LastEvent:   u32s[i%len(u32s)],
			Spectator:   i%2 == 0,
			Auth:        strs[(i+5)%len(strs)],
		})
	}
	for i, h := range hellos {
		frame, err := netcode.AppendHello(nil, &h)
		if err != nil {
			t.Fatalf("AppendHello #%d: %v", i, err)
		}
		got := decode(t, frame)
		if got.Type != netcode.MsgHello || got.Hello == nil {
			t.Fatalf("hello #%d: got type %s, hello %v", i, got.Type, got.Hello)
		}
		if !reflect.DeepEqual(*got.Hello, h) {
			t.Errorf("hello #%d: got %+v, want %+v", i, *got.Hello, h)
		}
	}
}

func TestRoundTripWelcome(t *testing.T) {
	t.Parallel()
	many := make([]netcode.Member, 20) // array16 on the wire
	for i := range many {
		many[i] = netcode.Member{Player: u32s[i%len(u32s)], Name: strs[i%len(strs)]}
	}
	welcomes := []netcode.Welcome{
		{},
		{Player: 1, Session: "s", Room: "r", Game: "snake", TickRate: 20, Tick: 7,
			Players: []netcode.Member{{Player: 1, Name: "ada"}}, Config: msgpack.RawMessage{0x81, 0xa1, 'w', 0x20}},
		{Player: math.MaxUint32, TickRate: -1, Tick: math.MaxUint32, Spectator: true, Resumed: true, Players: []netcode.Member{}},
		{Player: 65536, Session: strs[7], Room: strs[4], Game: strs[2], TickRate: math.MaxInt32, Players: many,
			Config: msgpack.RawMessage(raws[7])},
	}
	for i, w := range welcomes {
		frame, err := netcode.AppendWelcome(nil, &w)
		if err != nil {
			t.Fatalf("AppendWelcome #%d: %v", i, err)
		}
		got := decode(t, frame)
		if got.Type != netcode.MsgWelcome || got.Welcome == nil {
			t.Fatalf("welcome #%d: got type %s, welcome %v", i, got.Type, got.Welcome)
		}
		if !reflect.DeepEqual(*got.Welcome, w) {
			t.Errorf("welcome #%d: got %+v, want %+v", i, *got.Welcome, w)
		}
	}
}

// TestDecoderReuse checks that one Decoder gives the same results as fresh
// ones, whatever it decoded before, and that payloads alias their frame.
func TestDecoderReuse(t *testing.T) {
	t.Parallel()
	frames := [][]byte{
		netcode.AppendInput(nil, 9, raws[6]),
		{0xc1},
		netcode.AppendChat(nil, strs[7]),
		netcode.AppendEvent(nil, 1, 2, "k", raws[3]),
		netcode.AppendSnapshot(nil, 3, 0, 9, raws[6]),
	}
	d := netcode.NewDecoder()
	for i, f := range frames {
		got, gotErr := d.Decode(f)
		want, wantErr := netcode.NewDecoder().Decode(f)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("frame %d: reused decoder got %+v, %v; fresh got %+v, %v", i, got.Type, gotErr, want.Type, wantErr)
		}
		if len(got.Payload) > 0 && &got.Payload[len(got.Payload)-1] != &f[len(f)-1] {
			t.Errorf("frame %d: payload does not alias the frame's last bytes", i)
		}
	}
}

// libValues decodes frame with the msgpack library itself.
func libValues(t *testing.T, frame []byte) []any {
	t.Helper()
	var vs []any
	if err := msgpack.Unmarshal(frame, &vs); err != nil {
		t.Fatalf("msgpack.Unmarshal(% x): %v", head(frame), err)
	}
	return vs
}

// asUint converts the library's decoded integer types; ok is false for
// anything else.
func asUint(v any) (uint64, bool) {
	switch n := v.(type) {
	case int8:
		return uint64(n), n >= 0
	case int16:
		return uint64(n), n >= 0
	case int32:
		return uint64(n), n >= 0
	case int64:
		return uint64(n), n >= 0
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	}
	return 0, false
}

// norm turns the library's integer types into uint64 (or int64 when
// negative), recursively, so that values compare by number.
func norm(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = norm(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = norm(e)
		}
		return out
	}
	if n, ok := asUint(v); ok {
		return n
	}
	switch n := v.(type) {
	case int8, int16, int32, int64:
		return reflect.ValueOf(n).Int()
	}
	return v
}

func libRaw(t *testing.T, p []byte) any {
	t.Helper()
	var v any
	if err := msgpack.Unmarshal(wantRaw(p), &v); err != nil {
		t.Fatalf("msgpack.Unmarshal(payload % x): %v", head(p), err)
	}
	return v
}

// libEncode encodes vs the way the library would, with the smallest
// integer encodings, as a msgpack array.
func libEncode(t *testing.T, vs ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.EncodeArrayLen(len(vs)); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		var err error
		if raw, ok := v.(msgpack.RawMessage); ok {
			_, err = buf.Write(wantRaw(raw))
		} else {
			err = enc.Encode(v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestLibraryAgrees decodes every hand-written encoding with the msgpack
// library, checks it reads the same values, and checks that the bytes are
// the ones the library would write with compact integers.
func TestLibraryAgrees(t *testing.T) {
	t.Parallel()
	type frame struct {
		name  string
		bytes []byte
		want  []any // uint64 for integers, string, []byte for a bin, or msgpack.RawMessage
	}
	var frames []frame
	for i, v := range u32s {
		w, x := u32s[(i+1)%len(u32s)], u32s[(i+2)%len(u32s)]
		s := strs[i%len(strs)]
		p := raws[i%len(raws)]
		frames = append(frames,
			frame{"snapshot", netcode.AppendSnapshot(nil, v, w, x, p), []any{uint64(20), uint64(v), uint64(w), uint64(x), append([]byte{}, p...)}},
			frame{"request", netcode.AppendRequest(nil, v|1, s, p), []any{uint64(6), uint64(v | 1), s, msgpack.RawMessage(p)}},
			frame{"reply", netcode.AppendReply(nil, v, s, strs[(i+1)%len(strs)], p), []any{uint64(21), uint64(v), s, strs[(i+1)%len(strs)], msgpack.RawMessage(p)}},
			frame{"event", netcode.AppendEvent(nil, v, w, s, p), []any{uint64(17), uint64(v), uint64(w), s, msgpack.RawMessage(p)}},
			frame{"ping", netcode.AppendPing(nil, v, int64(w)*1000, x, v), []any{uint64(18), uint64(v), uint64(w) * 1000, uint64(x), uint64(v)}},
			frame{"error", netcode.AppendError(nil, s, strs[(i+1)%len(strs)], uint32(i)), []any{uint64(19), s, strs[(i+1)%len(strs)], uint64(i)}},
			frame{"input", netcode.AppendInput(nil, v, p), []any{uint64(2), uint64(v), msgpack.RawMessage(p)}},
			frame{"pong", netcode.AppendPong(nil, v), []any{uint64(3), uint64(v)}},
			frame{"chat", netcode.AppendChat(nil, s), []any{uint64(4), s}},
		)
	}
	frames = append(frames, frame{"leave", netcode.AppendLeave(nil), []any{uint64(5)}})

	for i, f := range frames {
		name := fmt.Sprintf("%s#%d", f.name, i)
		got := libValues(t, f.bytes)
		if len(got) != len(f.want) {
			t.Errorf("%s: library reads %d elements, want %d", name, len(got), len(f.want))
			continue
		}
		for j, w := range f.want {
			switch w := w.(type) {
			case uint64:
				if n, ok := asUint(got[j]); !ok || n != w {
					t.Errorf("%s element %d: library reads %#v, want %d", name, j, got[j], w)
				}
			case string:
				if got[j] != w {
					t.Errorf("%s element %d: library reads a %T of %d bytes, want %d bytes", name, j, got[j], len(fmt.Sprint(got[j])), len(w))
				}
			case []byte:
				if b, ok := got[j].([]byte); !ok || !bytes.Equal(b, w) {
					t.Errorf("%s element %d: library reads %#v, want the bin % x", name, j, got[j], head(w))
				}
			case msgpack.RawMessage:
				if want := libRaw(t, w); !reflect.DeepEqual(got[j], want) {
					t.Errorf("%s element %d: library reads %T, want %T", name, j, got[j], want)
				}
			}
		}
		if lib := libEncode(t, f.want...); !bytes.Equal(f.bytes, lib) {
			t.Errorf("%s: hand-written bytes differ from the library's:\n got % x\nwant % x", name, head(f.bytes), head(lib))
		}
	}
}

// TestLibraryAgreesHelloWelcome checks the map-bodied messages: an array of
// the type and a map keyed by the documented field names.
func TestLibraryAgreesHelloWelcome(t *testing.T) {
	t.Parallel()
	h, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", Room: "r1", LastEvent: 300, Spectator: true})
	if err != nil {
		t.Fatal(err)
	}
	got := norm(libValues(t, h))
	want := []any{uint64(1), map[string]any{"name": "ada", "room": "r1", "lastEvent": uint64(300), "spectator": true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hello: library reads %#v, want %#v", got, want)
	}

	w, err := netcode.AppendWelcome(nil, &netcode.Welcome{
		Player: 2, Account: "acct", Session: "s", Room: "r", Game: "g", TickRate: 30, Tick: 128,
		Players: []netcode.Member{{Player: 2, Name: "bo"}}, Config: msgpack.RawMessage{0x91, 0x01},
	})
	if err != nil {
		t.Fatal(err)
	}
	got = norm(libValues(t, w))
	want = []any{uint64(16), map[string]any{
		"player": uint64(2), "account": "acct", "session": "s", "room": "r", "game": "g", "tickRate": uint64(30), "tick": uint64(128),
		"players": []any{[]any{uint64(2), "bo"}}, "config": []any{uint64(1)}, "lastEvent": uint64(0), "playerId": uint64(0),
		// Every documented key, false ones included.
		"spectator": false, "resumed": false, "historyLost": false, "deltas": false, "areaOfInterest": false,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("welcome: library reads %#v, want %#v", got, want)
	}
}

// TestAppendKeepsPrefix checks that the appenders append: bytes already in
// dst stay, and a frame can follow another in one buffer.
func TestAppendKeepsPrefix(t *testing.T) {
	t.Parallel()
	prefix := []byte{0xde, 0xad}
	appends := map[string]func([]byte) []byte{
		"snapshot": func(b []byte) []byte { return netcode.AppendSnapshot(b, 1, 2, 3, raws[3]) },
		"event":    func(b []byte) []byte { return netcode.AppendEvent(b, 1, 2, "k", raws[3]) },
		"ping":     func(b []byte) []byte { return netcode.AppendPing(b, 1, 2, 3, 4) },
		"error":    func(b []byte) []byte { return netcode.AppendError(b, "c", "m", 1) },
		"input":    func(b []byte) []byte { return netcode.AppendInput(b, 1, raws[3]) },
		"pong":     func(b []byte) []byte { return netcode.AppendPong(b, 1) },
		"chat":     func(b []byte) []byte { return netcode.AppendChat(b, "hi") },
		"leave":    netcode.AppendLeave,
	}
	for name, app := range appends {
		alone := app(nil)
		got := app(append([]byte(nil), prefix...))
		if want := append(append([]byte(nil), prefix...), alone...); !bytes.Equal(got, want) {
			t.Errorf("%s: got % x, want % x", name, got, want)
		}
	}
}
