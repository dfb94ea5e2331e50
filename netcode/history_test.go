package netcode_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/netcode"
)

// TestHistoryRoundTrip: every line comes back as it was sent, integers of
// every width and sign included, and the library reads the same values.
func TestHistoryRoundTrip(t *testing.T) {
	t.Parallel()
	for _, lines := range [][]netcode.HistoryLine{
		{},
		{{Name: "ann", Text: "hi", At: 1_700_000_000_000, PlayerID: 12}},
		{
			{Name: "", Text: "", At: 0, PlayerID: 0},
			{Name: strings.Repeat("n", 40), Text: strings.Repeat("é", 200), At: -1, PlayerID: math.MaxInt64},
			{Name: "x'; DROP TABLE chat;--", Text: "\"quoted\"", At: math.MinInt64, PlayerID: 1 << 40},
			{Name: "b", Text: "c", At: -33, PlayerID: -200},
			{Name: "b", Text: "c", At: -40000, PlayerID: -3_000_000_000},
		},
	} {
		frame := netcode.AppendHistory(nil, lines)
		m := decode(t, frame)
		if m.Type != netcode.MsgHistory || !reflect.DeepEqual(m.History, lines) {
			t.Errorf("round trip of %v: got %s %v", lines, m.Type, m.History)
		}
		got := norm(libValues(t, frame))
		want := []any{uint64(22), []any{}}
		for _, l := range lines {
			want[1] = append(want[1].([]any), []any{l.Name, l.Text, norm(l.At), norm(l.PlayerID)})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("library reads %#v, want %#v", got, want)
		}
		lib, err := msgpack.Marshal([]any{22, linesAsAny(lines)})
		if err != nil {
			t.Fatal(err)
		}
		if m := decode(t, lib); !reflect.DeepEqual(m.History, lines) {
			t.Errorf("the library's encoding of %v decodes as %v", lines, m.History)
		}
	}
}

func linesAsAny(lines []netcode.HistoryLine) []any {
	out := []any{}
	for _, l := range lines {
		out = append(out, []any{l.Name, l.Text, l.At, l.PlayerID})
	}
	return out
}

// TestHistoryExtraElements: a later version may append elements to a line
// and to the message; this one skips them.
func TestHistoryExtraElements(t *testing.T) {
	t.Parallel()
	frame, err := msgpack.Marshal([]any{22, []any{[]any{"ann", "hi", 5, 12, "extra", []any{1, 2}}}, "more"})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, frame)
	if want := []netcode.HistoryLine{{Name: "ann", Text: "hi", At: 5, PlayerID: 12}}; !reflect.DeepEqual(m.History, want) {
		t.Errorf("got %v, want %v", m.History, want)
	}
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", strings.Repeat("a", 16), strings.Repeat("~", 128), "!0123456789abcdef~", "k3y-0f-ann-1234567890"} {
		if err := netcode.CheckKey(key); err != nil {
			t.Errorf("CheckKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range []string{
		"short", strings.Repeat("a", 15), strings.Repeat("a", 129),
		"0123456789abcdef ", "0123456789abcdef\x7f", "0123456789abcdef\x00", "0123456789abcdefé", "0123456789abcdef\xff",
		"0123456789\tabcdef",
	} {
		err := netcode.CheckKey(key)
		if !errors.Is(err, netcode.ErrBadKey) {
			t.Errorf("CheckKey(%q) = %v, want ErrBadKey", key, err)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("CheckKey(%q) = %v: quotes the key", key, err)
		}
	}
}

// TestHelloKeyOnTheWire: the key is the hello's "key", left out when empty.
func TestHelloKeyOnTheWire(t *testing.T) {
	t.Parallel()
	h, err := netcode.AppendHello(nil, &netcode.Hello{Key: "0123456789abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{uint64(1), map[string]any{"key": "0123456789abcdef"}}; !reflect.DeepEqual(norm(libValues(t, h)), want) {
		t.Errorf("hello with a key: %#v", norm(libValues(t, h)))
	}
	h, err = netcode.AppendHello(nil, &netcode.Hello{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(h, []byte("key")) {
		t.Errorf("a hello without a key sends one: % x", h)
	}
}
