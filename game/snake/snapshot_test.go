package snake_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

// TestSnapshotGolden pins the wire format to bytes worked out by hand from
// the package documentation.
func TestSnapshotGolden(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{2, 2}, {2, 3}, {3, 3}, {4, 3}, {4, 4}}, Dir: snake.Up, Score: 2}
	cfg := board(8, 8)
	cfg.RespawnTicks = 9
	g := placed(t, cfg, []snake.Placed{a}, []xy{{7, 7}})
	if err := g.Join(300, "waiting"); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x95,       // snapshot: array of 5
		0x00,       // tick 0
		0x08, 0x08, // width, height
		0x92, // 2 snakes
		0x99, // [player, status, score, best, respawn_in, head, dir, len, body]
		0x01, 0x01, 0x02, 0x02, 0x00,
		0x12,       // head (2,2) = 2*8+2
		0x00,       // up
		0x05,       // 5 cells
		0xc4, 0x01, // bin of 1 byte: moves down, right, right, down
		2 | 1<<2 | 1<<4 | 2<<6,
		0x99,
		0xcd, 0x01, 0x2c, // player 300 as uint16
		0x00, 0x00, 0x00, 0x00, // waiting, score, best, respawn_in
		0x00, 0x00, 0x00, // head, dir, len
		0xc4, 0x00, // empty body
		0xc4, 0x02, 0x00, 0x3f, // food (7,7) = 63
	}
	got := g.AppendSnapshot([]byte("prefix"))
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("AppendSnapshot did not append to dst: % x", got)
	}
	if got = got[len("prefix"):]; !bytes.Equal(got, want) {
		t.Errorf("snapshot =\n% x\nwant\n% x", got, want)
	}
	s, err := snake.DecodeSnapshot(want)
	if err != nil {
		t.Fatal(err)
	}
	if got := cellsOf(t, s, 1); !reflect.DeepEqual(got, a.Cells) {
		t.Errorf("cells = %v, want %v", got, a.Cells)
	}
	if got := s.AppendFood(nil); !reflect.DeepEqual(got, []uint16{63}) {
		t.Errorf("food = %v, want [63]", got)
	}
}

// TestSnapshotMatchesLibrary checks the hand-written codec against the
// msgpack library on the exported types, over long random games: the
// library decodes our bytes to what we decode, and encodes the result back
// to the same bytes.
func TestSnapshotMatchesLibrary(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		m := newMatch(t, seed, snake.Config{Width: 24, Height: 20, Food: 12, RespawnTicks: 4, MaxPlayers: 12})
		for range 300 {
			m.tick(t)
			b := m.g.AppendSnapshot(nil)
			ours, err := snake.DecodeSnapshot(b)
			if err != nil {
				t.Fatal(err)
			}
			var lib snake.Snapshot
			if err := msgpack.Unmarshal(b, &lib); err != nil {
				t.Fatalf("library decode: %v", err)
			}
			if !reflect.DeepEqual(ours, &lib) {
				t.Fatalf("tick %d: ours %+v, library %+v", m.ticks, ours, lib)
			}
			var again bytes.Buffer
			enc := msgpack.NewEncoder(&again)
			enc.UseCompactInts(true)
			if err := enc.Encode(ours); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), b) {
				t.Fatalf("tick %d: library re-encodes\n% x\nwant\n% x", m.ticks, again.Bytes(), b)
			}
		}
	}
}

func TestSnapshotDecodeErrors(t *testing.T) {
	t.Parallel()
	m := newMatch(t, 1, snake.DefaultConfig())
	for range 50 {
		m.tick(t)
	}
	b := m.g.AppendSnapshot(nil)
	for n := range len(b) {
		if _, err := snake.DecodeSnapshot(b[:n]); !errors.Is(err, snake.ErrBadSnapshot) {
			t.Fatalf("DecodeSnapshot of %d of %d bytes = %v, want ErrBadSnapshot", n, len(b), err)
		}
	}
	if _, err := snake.DecodeSnapshot(append(b, 0)); !errors.Is(err, snake.ErrBadSnapshot) {
		t.Errorf("trailing byte: %v, want ErrBadSnapshot", err)
	}

	a := snake.Placed{ID: 1, Cells: []xy{{0, 1}, {0, 2}, {0, 3}}, Dir: snake.Up}
	good := placed(t, board(8, 8), []snake.Placed{a}, nil).AppendSnapshot(nil)
	// good = 95 00 08 08 91 99 01 01 00 00 00 08 00 03 c4 01 <moves> c4 00
	bodyAt := bytes.Index(good, []byte{0xc4, 0x01}) + 2
	tests := map[string]func(b []byte){
		"body off the board": func(b []byte) { b[bodyAt] = byte(snake.Left) }, // (0,1) -> (-1,1)
		"length too long":    func(b []byte) { b[bodyAt-3] = 0x06 },
		"dead with a body":   func(b []byte) { b[7] = byte(snake.Dead) },
		"status unknown":     func(b []byte) { b[7] = 7 },
		"direction unknown":  func(b []byte) { b[bodyAt-4] = 4 },
		"board too small":    func(b []byte) { b[2] = 7 },
		"not an array":       func(b []byte) { b[0] = 0x80 },
	}
	for name, corrupt := range tests {
		b := bytes.Clone(good)
		corrupt(b)
		if _, err := snake.DecodeSnapshot(b); !errors.Is(err, snake.ErrBadSnapshot) {
			t.Errorf("%s: DecodeSnapshot(% x) = %v, want ErrBadSnapshot", name, b, err)
		}
	}
	if _, err := snake.DecodeSnapshot(good); err != nil {
		t.Errorf("uncorrupted: %v", err)
	}
}

// TestSnapshotAllocs is not parallel: testing.AllocsPerRun refuses to be.
func TestSnapshotAllocs(t *testing.T) {
	m := newMatch(t, 2, snake.DefaultConfig())
	for range 100 {
		m.tick(t)
	}
	buf := make([]byte, 0, 64<<10)
	if got := testing.AllocsPerRun(100, func() { buf = m.g.AppendSnapshot(buf[:0]) }); got != 0 {
		t.Errorf("AppendSnapshot allocs = %v, want 0", got)
	}
	var s snake.Snapshot
	if err := s.Decode(buf); err != nil {
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(100, func() { _ = s.Decode(buf) }); got != 0 {
		t.Errorf("Snapshot.Decode into a used Snapshot allocs = %v, want 0", got)
	}
}

// TestSnapshotSize keeps the arena snapshot well under 1 KiB with grown
// snakes. (A limit, not a figure: the benchmark reports the size.)
func TestSnapshotSize(t *testing.T) {
	t.Parallel()
	// 8 snakes of 40 cells folded in a U, the most an arena usually sees.
	var snakes []snake.Placed
	for i := range 8 {
		x := 2 + 7*i
		p := snake.Placed{ID: game.PlayerID(i + 1), Dir: snake.Up, Score: 37}
		for y := 10; y < 30; y++ {
			p.Cells = append(p.Cells, xy{x, y})
		}
		p.Cells = append(p.Cells, xy{x + 1, 29})
		for y := 29; y >= 11; y-- {
			p.Cells = append(p.Cells, xy{x + 2, y})
		}
		snakes = append(snakes, p)
	}
	var food []xy
	for i := range 16 {
		food = append(food, xy{4 * i, 60})
	}
	g := placed(t, snake.DefaultConfig(), snakes, food)
	b := g.AppendSnapshot(nil)
	if len(b) > 512 {
		t.Errorf("arena snapshot with 8 snakes of 40 cells = %d bytes, want <= 512", len(b))
	}
	s := snap(t, g)
	for _, p := range snakes {
		if got := cellsOf(t, s, p.ID); !reflect.DeepEqual(got, p.Cells) {
			t.Errorf("player %d: cells = %v, want %v", p.ID, got, p.Cells)
		}
	}
}
