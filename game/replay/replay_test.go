package replay_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

var update = flag.Bool("update", false, "rewrite the recordings in testdata/")

func record(t testing.TB, seed uint64, ticks int) ([]byte, []uint64) {
	t.Helper()
	var buf bytes.Buffer
	hashes, err := playMatch(&buf, seed, ticks)
	if err != nil {
		t.Fatalf("playMatch: %v", err)
	}
	return buf.Bytes(), hashes
}

func TestReplayMatches(t *testing.T) {
	t.Parallel()
	for seed := range uint64(5) {
		file, _ := record(t, seed, 400)
		res, err := replay.Replay(bytes.NewReader(file), openSnake)
		if err != nil {
			t.Fatalf("seed %d: Replay: %v", seed, err)
		}
		if want := (replay.Result{Ticks: 400}); res != want {
			t.Errorf("seed %d: Result = %+v, want %+v", seed, res, want)
		}
	}
}

// hashAt returns the offset of the state hash of a tick in a recording: a
// msgpack uint64 (0xcf and 8 bytes), which is unique in practice.
func hashAt(t *testing.T, file []byte, hash uint64) int {
	t.Helper()
	pat := binary.BigEndian.AppendUint64([]byte{0xcf}, hash)
	i := bytes.Index(file, pat)
	if i < 0 || bytes.Count(file, pat) != 1 {
		t.Fatalf("hash %x found %d times in the recording", hash, bytes.Count(file, pat))
	}
	return i + 1
}

func TestTamperedHash(t *testing.T) {
	t.Parallel()
	file, hashes := record(t, 1, 400)
	for _, tick := range []uint32{1, 137, 400} {
		bad := bytes.Clone(file)
		bad[hashAt(t, bad, hashes[tick-1])+7] ^= 1
		res, err := replay.Replay(bytes.NewReader(bad), openSnake)
		if err != nil {
			t.Fatalf("tick %d: Replay: %v", tick, err)
		}
		want := replay.Result{Ticks: 400, FirstMismatch: tick, Want: hashes[tick-1] ^ 1, Got: hashes[tick-1], Reason: "state hash"}
		if res != want {
			t.Errorf("hash of tick %d changed: Result = %+v, want %+v", tick, res, want)
		}
	}
}

// turnMatch records a match with a single input: player 1 turns on tick 3,
// when its snake (spawned on tick 1 with 3 free cells ahead) is surely alive.
func turnMatch(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	r, err := newRoom(&buf, 3)
	if err != nil {
		t.Fatal(err)
	}
	r.join(1, "one")
	r.join(2, "two")
	for tick := 1; tick <= 20; tick++ {
		if tick == 3 {
			s, err := snake.DecodeSnapshot(r.g.AppendSnapshot(nil))
			if err != nil {
				t.Fatal(err)
			}
			if s.Snakes[0].Status != snake.Alive {
				t.Fatalf("player 1 not alive on tick 3: %+v", s.Snakes[0])
			}
			r.input(1, snake.EncodeTurn(s.Snakes[0].Dir.TurnLeft()))
		}
		if err := r.step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTamperedInput(t *testing.T) {
	t.Parallel()
	file := turnMatch(t)
	if res, err := replay.Replay(bytes.NewReader(file), openSnake); err != nil || res != (replay.Result{Ticks: 20}) {
		t.Fatalf("untampered: Result = %+v, %v", res, err)
	}
	// The input call: [2, 1, bin(1 byte)].
	at := bytes.Index(file, []byte{0x93, 0x02, 0x01, 0xc4, 0x01})
	if at < 0 {
		t.Fatalf("input not found in % x", file)
	}
	at += 5
	turn := snake.Direction(file[at])
	tests := []struct {
		name    string
		payload byte
		reason  string
	}{
		{"a turn onto the reverse, discarded", byte(turn.TurnLeft()), "state hash"},
		{"a payload the game rejects", 9, "input of player 1 rejected"},
	}
	for _, tt := range tests {
		bad := bytes.Clone(file)
		bad[at] = tt.payload
		res, err := replay.Replay(bytes.NewReader(bad), openSnake)
		if err != nil {
			t.Fatalf("%s: Replay: %v", tt.name, err)
		}
		if res.FirstMismatch != 3 || !strings.HasPrefix(res.Reason, tt.reason) || res.Ticks != 20 {
			t.Errorf("%s: Result = %+v, want a mismatch on tick 3 (%s) after 20 ticks", tt.name, res, tt.reason)
		}
	}
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	file, _ := record(t, 2, 40)
	for n := range len(file) {
		res, err := replay.Replay(bytes.NewReader(file[:n]), openSnake)
		if !errors.Is(err, replay.ErrTruncated) {
			t.Fatalf("%d of %d bytes: err = %v, want ErrTruncated", n, len(file), err)
		}
		if res.FirstMismatch != 0 || res.Ticks > 40 {
			t.Fatalf("%d of %d bytes: Result = %+v", n, len(file), res)
		}
	}
	// Without the end marker, every tick is still checked.
	res, err := replay.Replay(bytes.NewReader(file[:len(file)-1]), openSnake)
	if !errors.Is(err, replay.ErrTruncated) || res.Ticks != 40 {
		t.Errorf("without the end marker: %+v, %v; want 40 ticks and ErrTruncated", res, err)
	}
	if !strings.HasPrefix(err.Error(), "replay: ") {
		t.Errorf("error %q lacks the operation prefix", err)
	}
}

func TestCorrupt(t *testing.T) {
	t.Parallel()
	file, _ := record(t, 4, 10)
	header := func(version int, name string) []byte {
		b, err := msgpack.Marshal([]any{version, name, []any{4, 6, 20}, testConfig})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hdr := header(replay.Version, "snake")
	body := file[len(hdr):]
	if !bytes.HasPrefix(file, hdr) {
		t.Fatalf("recording does not start with the header the test builds:\n% x\n% x", file[:len(hdr)], hdr)
	}
	errOpen := errors.New("no such game")
	tests := []struct {
		name string
		file []byte
		open replay.Opener
		want error
	}{
		{"garbage", []byte("not a recording"), openSnake, replay.ErrCorrupt},
		{"future version", append(header(2, "snake"), body...), openSnake, replay.ErrVersion},
		{"unknown game", append(header(1, "chess"), body...), func(string, game.Setup, msgpack.RawMessage) (game.Game, error) {
			return nil, errOpen
		}, errOpen},
		{"data after the end", append(bytes.Clone(file), 0x01), openSnake, replay.ErrCorrupt},
		{"tick 0", append(bytes.Clone(hdr), 0x93, 0x00, 0x90, 0x00, 0xc0), openSnake, replay.ErrCorrupt},
		{"unknown call", append(bytes.Clone(hdr), 0x93, 0x01, 0x91, 0x92, 0x07, 0x01, 0x00, 0xc0), openSnake, replay.ErrCorrupt},
		{"leave with a name", append(bytes.Clone(hdr), 0x93, 0x01, 0x91, 0x93, 0x01, 0x01, 0xa1, 'x', 0x00, 0xc0), openSnake, replay.ErrCorrupt},
	}
	for _, tt := range tests {
		_, err := replay.Replay(bytes.NewReader(tt.file), tt.open)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// A game that cannot be hashed cannot be checked.
	noHash := func(name string, setup game.Setup, cfg msgpack.RawMessage) (game.Game, error) {
		g, err := openSnake(name, setup, cfg)
		return struct{ game.Game }{g}, err
	}
	if _, err := replay.Replay(bytes.NewReader(file), noHash); err == nil || !strings.Contains(err.Error(), "StateHash") {
		t.Errorf("game without StateHash: err = %v", err)
	}
	errRead := errors.New("disk on fire")
	if _, err := replay.Replay(io.MultiReader(bytes.NewReader(file[:50]), iotestErrReader(errRead)), openSnake); !errors.Is(err, errRead) {
		t.Errorf("failing reader: err = %v, want %v", err, errRead)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func iotestErrReader(err error) io.Reader { return errReader{err} }

func TestRecorderErrors(t *testing.T) {
	t.Parallel()
	if _, err := replay.NewRecorder(io.Discard, "snake", game.Setup{}, make(chan int)); err == nil {
		t.Errorf("NewRecorder accepted a config msgpack cannot encode")
	}
	rec, err := replay.NewRecorder(io.Discard, "snake", game.Setup{}, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.EndTick(0, 1); err == nil {
		t.Errorf("EndTick(0) succeeded; ticks start at 1")
	}
	if err := rec.EndTick(5, 1); err != nil {
		t.Fatal(err)
	}
	if err := rec.EndTick(5, 1); err == nil {
		t.Errorf("EndTick(5) twice succeeded")
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := rec.EndTick(6, 1); !errors.Is(err, replay.ErrClosed) {
		t.Errorf("EndTick after Close = %v, want ErrClosed", err)
	}
	if err := rec.Input(1, []byte{1}); !errors.Is(err, replay.ErrClosed) {
		t.Errorf("Input after Close = %v, want ErrClosed", err)
	}

	errWrite := errors.New("disk full")
	rec, err = replay.NewRecorder(failWriter{errWrite}, "snake", game.Setup{}, testConfig)
	if err != nil {
		t.Fatal(err) // buffered: nothing written yet
	}
	var tickErr error
	for tick := uint32(1); tick <= 2000 && tickErr == nil; tick++ {
		if err := rec.Input(1, bytes.Repeat([]byte{1}, 10)); err != nil {
			t.Fatalf("Input before any write failed: %v", err)
		}
		tickErr = rec.EndTick(tick, uint64(tick))
	}
	if !errors.Is(tickErr, errWrite) {
		t.Errorf("EndTick on a failing writer = %v, want %v", tickErr, errWrite)
	}
	if err := rec.Leave(1); !errors.Is(err, errWrite) {
		t.Errorf("Leave after a write error = %v, want %v", err, errWrite)
	}
	if err := rec.Close(); !errors.Is(err, errWrite) {
		t.Errorf("Close after a write error = %v, want %v", err, errWrite)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// TestRecorderAllocs is not parallel: testing.AllocsPerRun refuses to be.
func TestRecorderAllocs(t *testing.T) {
	rec, err := replay.NewRecorder(io.Discard, "snake", game.Setup{}, testConfig)
	if err != nil {
		t.Fatal(err)
	}
	payload := snake.EncodeTurn(snake.Left)
	tick := uint32(0)
	tickOnce := func() {
		tick++
		if err := errors.Join(rec.Input(1, payload), rec.Input(2, payload)); err != nil {
			t.Fatal(err)
		}
		if err := rec.EndTick(tick, uint64(tick)*0x9e3779b97f4a7c15); err != nil {
			t.Fatal(err)
		}
	}
	tickOnce() // grow the buffers
	if got := testing.AllocsPerRun(1000, tickOnce); got != 0 {
		t.Errorf("allocs per recorded tick = %v, want 0", got)
	}
}

const goldenFile = "snake-300.rec"

// TestGolden replays a match recorded by an earlier version, so that a
// change to the rules, the generator or the format shows up as a failure.
// Run with -update after an intended change to record it again.
func TestGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", goldenFile)
	fresh, _ := record(t, 2024, 300)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, fresh, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	res, err := replay.Replay(bytes.NewReader(file), openSnake)
	if err != nil {
		t.Fatalf("Replay(%s): %v", path, err)
	}
	if want := (replay.Result{Ticks: 300}); res != want {
		t.Errorf("Replay(%s) = %+v, want %+v", path, res, want)
	}
	if !bytes.Equal(fresh, file) {
		t.Errorf("recording the same match again gives %d bytes that differ from %s (%d bytes)", len(fresh), path, len(file))
	}
}

func FuzzReplay(f *testing.F) {
	file, _ := record(f, 5, 30)
	f.Add(file)
	f.Add(file[:len(file)/2])
	f.Add([]byte{0x94, 0x01, 0xa5, 's', 'n', 'a', 'k', 'e', 0x93, 0x00, 0x00, 0x00, 0x80, 0xc0})
	f.Add(append(header(f, nested(16, true)), 0xc0))
	f.Add(append(header(f, nested(17, false)), 0xc0))
	f.Add(append(header(f, nested(4000, false)), 0xc0))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := replay.Replay(bytes.NewReader(b), openSnake)
		if err == nil && res.Ticks < 0 {
			t.Fatalf("Result %+v", res)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "replay: ") {
			t.Fatalf("error %q lacks the operation prefix", err)
		}
	})
}

func ExampleReplay() {
	var file bytes.Buffer
	cfg := snake.DefaultConfig()
	setup := game.Setup{Seed: 42, MaxPlayers: 2, TickRate: 20}
	g, _ := snake.New(cfg, setup)
	rec, _ := replay.NewRecorder(&file, snake.Name, setup, g.Config())
	if g.Join(1, "ada") == nil {
		_ = rec.Join(1, "ada")
	}
	for tick := uint32(1); tick <= 100; tick++ {
		if tick == 10 && g.Input(1, snake.EncodeTurn(snake.Up)) == nil {
			_ = rec.Input(1, snake.EncodeTurn(snake.Up))
		}
		g.Step(tick)
		_ = rec.EndTick(tick, g.StateHash())
	}
	_ = rec.Close()

	res, err := replay.Replay(&file, func(name string, setup game.Setup, config msgpack.RawMessage) (game.Game, error) {
		return snake.Open(setup, config)
	})
	fmt.Println(res.Ticks, res.FirstMismatch, err)
	// Output: 100 0 <nil>
}
