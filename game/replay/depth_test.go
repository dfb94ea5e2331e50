package replay_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/netcode"
	"github.com/vmihailenco/msgpack/v5"
)

// nested is n arrays of one element each around nil, or maps of one entry
// each when maps is set.
func nested(n int, maps bool) []byte {
	level := []byte{0x91}
	if maps {
		level = []byte{0x81, 0xa1, 'k'}
	}
	return append(bytes.Repeat(level, n), 0xc0)
}

// header is a recording's header with the given config bytes.
func header(t testing.TB, config []byte) []byte {
	t.Helper()
	b, err := msgpack.Marshal([]any{replay.Version, "snake", []any{4, 6, 20}})
	if err != nil {
		t.Fatal(err)
	}
	b[0]++ // a fixarray of 3 becomes one of 4: the config follows
	return append(b, config...)
}

// writeFile writes a recording to the test's temporary directory, as
// `tickroom replay` would find it, and opens it.
func writeFile(t *testing.T, parts ...[]byte) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "nested.rec")
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	for _, p := range parts {
		if _, err := bw.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// wantTooDeep checks that err refuses a recording for a value nested deeper
// than netcode.MaxDepth (16).
func wantTooDeep(err error) error {
	if !errors.Is(err, replay.ErrCorrupt) || !errors.Is(err, netcode.ErrTooDeep) {
		return fmt.Errorf("Replay error %v, want one wrapping %q and %q", err, replay.ErrCorrupt, netcode.ErrTooDeep)
	}
	if !strings.Contains(err.Error(), "nested deeper than 16") || !strings.HasPrefix(err.Error(), "replay: ") {
		return fmt.Errorf("Replay error %q, want it to start with %q and say %q", err, "replay: ", "nested deeper than 16")
	}
	return nil
}

// TestReplayConfigNestedDeeperThan16Corrupt replays recordings whose
// config is megabytes of nested arrays or maps: the msgpack library would
// skip them by recursion and overflow the stack (a 5 MB one killed
// `tickroom replay` with a fatal stack overflow). They are refused as
// corrupt, nested deeper than 16, before the game is opened.
func TestReplayConfigNestedDeeperThan16Corrupt(t *testing.T) {
	t.Parallel()
	for name, config := range map[string][]byte{
		"17 arrays":              nested(17, false),
		"1 MiB of nested arrays": nested(1<<20, false),
		"5 MB of nested arrays":  nested(5_000_000, false),
		"5 MB of nested maps":    nested(5_000_000/3, true),
	} {
		f := writeFile(t, header(t, config), []byte{0xc0})
		opened := false
		_, err := replay.Replay(f, func(string, game.Setup, msgpack.RawMessage) (game.Game, error) {
			opened = true
			return nil, errors.New("opened")
		})
		if e := wantTooDeep(err); e != nil {
			t.Errorf("config %s: %v", name, e)
		}
		if opened {
			t.Errorf("config %s: the game was opened", name)
		}
	}
}

// TestReplayConfigNested16Opens: a config as deep as netcode.MaxDepth
// reaches the game's opener byte for byte.
func TestReplayConfigNested16Opens(t *testing.T) {
	t.Parallel()
	errOpen := errors.New("opened")
	for _, maps := range []bool{false, true} {
		config := nested(netcode.MaxDepth, maps)
		var got msgpack.RawMessage
		_, err := replay.Replay(bytes.NewReader(header(t, config)), func(_ string, _ game.Setup, c msgpack.RawMessage) (game.Game, error) {
			got = c
			return nil, errOpen
		})
		if !errors.Is(err, errOpen) || !bytes.Equal(got, config) {
			t.Errorf("config of %d levels (maps %v): opener got % x, Replay = %v; want the config and %v", netcode.MaxDepth, maps, got, err, errOpen)
		}
	}
}

// TestReplayInputNestedDeeperThan16Corrupt: an input payload is msgpack
// that the game decodes, and a server refuses one nested deeper than 16;
// a recording that holds one is corrupt. One 16 deep goes to the game,
// which may reject it.
func TestReplayInputNestedDeeperThan16Corrupt(t *testing.T) {
	t.Parallel()
	var file bytes.Buffer
	cfg, err := msgpack.Marshal(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	hdr := header(t, cfg)
	// tick 1: player 1 joins, then sends the payload; state hash 0.
	tick := func(payload []byte) []byte {
		bin := append([]byte{0xc6, 0, 0, 0, 0}, payload...)
		bin[1], bin[2], bin[3], bin[4] = byte(len(payload)>>24), byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload))
		return bytes.Join([][]byte{
			{0x93, 0x01, 0x92},
			{0x93, 0x00, 0x01, 0xa3, 'a', 'd', 'a'},
			{0x93, 0x02, 0x01}, bin,
			{0x00},
		}, nil)
	}
	for name, payload := range map[string][]byte{
		"17 arrays":              nested(17, false),
		"1 MiB of nested arrays": nested(1<<20, false),
		"5 MB of nested maps":    nested(5_000_000/3, true),
	} {
		f := writeFile(t, hdr, tick(payload), []byte{0xc0})
		res, err := replay.Replay(f, openSnake)
		if e := wantTooDeep(err); e != nil {
			t.Errorf("payload %s: %v", name, e)
		}
		if res.Ticks != 0 {
			t.Errorf("payload %s: %d ticks replayed, want the tick with it refused", name, res.Ticks)
		}
	}
	file.Write(hdr)
	file.Write(tick(nested(netcode.MaxDepth, false)))
	file.WriteByte(0xc0)
	res, err := replay.Replay(&file, openSnake)
	if err != nil || res.Ticks != 1 || !strings.HasPrefix(res.Reason, "input of player 1 rejected") {
		t.Errorf("payload of %d levels: Result %+v, %v; want 1 tick, the input rejected by the game", netcode.MaxDepth, res, err)
	}
}
