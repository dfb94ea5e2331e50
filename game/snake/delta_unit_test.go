package snake_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

// TestDeltaGolden pins the delta format to bytes worked out by hand from
// the package documentation (all but the CRC, which is computed): a snake
// moves onto food, another player leaves, and the food list is edited.
func TestDeltaGolden(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{2, 2}, {2, 3}, {2, 4}}, Dir: snake.Up}
	c := snake.Placed{ID: 3, Cells: []xy{{5, 2}, {5, 3}, {5, 4}}, Dir: snake.Up}
	food := []xy{{2, 1}, {0, 7}, {1, 7}, {2, 7}, {3, 7}, {4, 7}, {5, 7}, {6, 7}}
	g := placed(t, board(8, 8), []snake.Placed{a, c}, food)
	base := g.AppendSnapshot(nil)
	g.Leave(3)
	g.Step(1)
	cur := g.AppendSnapshot(nil)

	want := []byte{0x9a, 0x00} // 10 fields; base tick 0
	want = append(want, 0xce)  // base crc as uint32
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(base))
	want = append(want,
		0x01,       // tick 1
		0xc0,       // view: same as the base (both full)
		0x91, 0x03, // gone: player 3
		0x90,                         // added: none
		0x91, 0x94, 0x01, 0x06, 1, 1, // changed: player 1, mask score|best, 1, 1
		0x01,             // steps: 1
		0xc4, 0x01, 0x02, // moves: one, "down" (from the new head to the old)
		// Food: eating (2,1), item 0, moved the last item (6,7) into its
		// place: remove items 0 and 7, insert cell 62 at 0.
		0x93, 0x92, 0x00, 0x07, 0x91, 0x00, 0xc4, 0x02, 0x00, 62,
	)
	got, err := snake.Delta(nil, base, cur)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("delta =\n% x\nwant\n% x", got, want)
	}
	patched, err := snake.Patch(nil, base, want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(patched, cur) {
		t.Errorf("Patch of the golden delta =\n% x\nwant\n% x", patched, cur)
	}
}

// delta is a delta decoded by the msgpack library, which also checks that
// the format is plain msgpack as documented.
type delta struct {
	BaseTick, BaseCRC, Tick uint64
	View                    any
	Gone                    []uint64
	Added                   []snake.Snake
	Changed                 [][]any
	Steps                   uint64
	Moves                   []byte
	Food                    any
	Len                     int
}

func (d *delta) entry(p game.PlayerID) (mask int, values []int64, body []byte, ok bool) {
	for _, e := range d.Changed {
		if toInt(e[0]) != int64(p) {
			continue
		}
		for _, v := range e[2:] {
			if b, isBin := v.([]byte); isBin {
				body = b
			} else {
				values = append(values, toInt(v))
			}
		}
		return int(toInt(e[1])), values, body, true
	}
	return 0, nil, nil, false
}

func toInt(v any) int64 {
	switch x := reflect.ValueOf(v); x.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return x.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(x.Uint())
	}
	panic("not an integer")
}

// roundTrip takes the delta from base to cur, checks Patch with it, and
// decodes it with the msgpack library.
func roundTrip(t *testing.T, base, cur []byte) *delta {
	t.Helper()
	b := checkRoundTrip(t, base, cur)
	var raw []msgpack.RawMessage
	if err := msgpack.Unmarshal(b, &raw); err != nil {
		t.Fatalf("library decode of the delta: %v", err)
	}
	if len(raw) != 10 {
		t.Fatalf("delta has %d fields", len(raw))
	}
	d := &delta{Len: len(b)}
	for i, dst := range []any{&d.BaseTick, &d.BaseCRC, &d.Tick, &d.View, &d.Gone, &d.Added, &d.Changed, &d.Steps, &d.Moves, &d.Food} {
		if len(raw[i]) == 0 { // the library's RawMessage of a nil
			continue
		}
		if err := msgpack.Unmarshal(raw[i], dst); err != nil {
			t.Fatalf("delta field %d % x: %v", i, raw[i], err)
		}
	}
	return d
}

// Mask bits of a changed entry, as documented.
const (
	mStatus = 1 << iota
	mScore
	mBest
	mRespawnIn
	mHead
	mLen
	mBody
	mDir
)

func stepSnap(t *testing.T, g *snake.Game, tick uint32) []byte {
	t.Helper()
	step(t, g, tick)
	return g.AppendSnapshot(nil)
}

func TestDeltaMove(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {5, 6}, {5, 7}}, Dir: snake.Up}
	b := snake.Placed{ID: 2, Cells: []xy{{9, 5}, {9, 6}, {9, 7}}, Dir: snake.Up}
	g := placed(t, board(16, 16), []snake.Placed{a, b}, []xy{{0, 0}})
	s0 := g.AppendSnapshot(nil)
	input(t, g, 2, snake.Right) // a turn: the direction follows from the move
	s1 := stepSnap(t, g, 1)
	d := roundTrip(t, s0, s1)
	if len(d.Changed) != 0 || len(d.Gone) != 0 || len(d.Added) != 0 || d.View != nil || d.Food != nil {
		t.Errorf("a plain move gives %+v, want only moves", d)
	}
	// Two snakes, one move each: down (2) for the one going up, left (3)
	// for the one that turned right.
	if d.Steps != 1 || !bytes.Equal(d.Moves, []byte{2 | 3<<2}) {
		t.Errorf("steps %d, moves % x, want 1 and 0e", d.Steps, d.Moves)
	}
	if d.Len > 20 {
		t.Errorf("delta of two moves is %d bytes", d.Len)
	}
	if s := snap(t, g); snakeOf(t, s, 2).Dir != snake.Right {
		t.Fatal("the turn did not happen")
	}
}

func TestDeltaEatAndGrow(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {5, 6}, {5, 7}}, Dir: snake.Up, Best: 9}
	g := placed(t, board(16, 16), []snake.Placed{a}, []xy{{5, 4}})
	s0 := g.AppendSnapshot(nil)
	s1 := stepSnap(t, g, 1)
	d := roundTrip(t, s0, s1)
	if mask, v, _, _ := d.entry(1); mask != mScore || !reflect.DeepEqual(v, []int64{1}) {
		t.Errorf("eating: entry mask %#x values %v, want score 1 only (best stays 9)", mask, v)
	}
	if f, ok := d.Food.([]byte); !ok || len(f) != 0 {
		t.Errorf("food eaten: %#v, want the whole (empty) list", d.Food)
	}
	s2 := stepSnap(t, g, 2)
	d = roundTrip(t, s1, s2)
	if mask, v, _, _ := d.entry(1); mask != mLen || !reflect.DeepEqual(v, []int64{4}) {
		t.Errorf("growing: entry mask %#x values %v, want len 4", mask, v)
	}
	if len(d.Moves) != 1 {
		t.Errorf("growing snake sent %d bytes of moves, want its one move", len(d.Moves))
	}
}

func TestDeltaDeathCountdownRespawn(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 1}, {5, 2}, {5, 3}, {5, 4}, {5, 5}}, Dir: snake.Up, Score: 2}
	b := snake.Placed{ID: 2, Cells: []xy{{9, 9}, {9, 10}, {9, 11}}, Dir: snake.Up}
	cfg := board(16, 16)
	cfg.RespawnTicks = 3
	g := placed(t, cfg, []snake.Placed{a, b}, nil)
	s0 := stepSnap(t, g, 1) // a at (5,0)
	s1 := stepSnap(t, g, 2) // a hits the wall
	if snakeOf(t, snap(t, g), 1).Status != snake.Dead {
		t.Fatal("a did not die")
	}
	d := roundTrip(t, s0, s1)
	mask, v, body, _ := d.entry(1)
	if want := mStatus | mRespawnIn | mHead | mLen | mBody; mask != want || !reflect.DeepEqual(v, []int64{2, 3, 0, 0}) || len(body) != 0 {
		t.Errorf("death: entry mask %#x values %v body % x, want %#x [2 3 0 0] and no body", mask, v, body, want)
	}
	if len(d.Moves) != 1 || d.Moves[0]>>2 != 0 {
		t.Errorf("moves % x, want one move: the dead snake has none", d.Moves)
	}
	s2 := stepSnap(t, g, 3)
	d = roundTrip(t, s1, s2)
	if mask, v, _, _ := d.entry(1); mask != mRespawnIn || !reflect.DeepEqual(v, []int64{2}) {
		t.Errorf("countdown: entry mask %#x values %v, want respawn_in 2", mask, v)
	}
	var s3 []byte
	for tick := uint32(4); ; tick++ {
		s3 = stepSnap(t, g, tick)
		if snakeOf(t, snap(t, g), 1).Status == snake.Alive {
			break
		}
		if tick > 10 {
			t.Fatal("no respawn")
		}
	}
	d = roundTrip(t, s2, s3)
	mask, v, body, _ = d.entry(1)
	if want := mStatus | mScore | mHead | mLen | mBody; mask&want != want || v[0] != 1 || v[1] != 0 || len(body) != 1 {
		t.Errorf("respawn: entry mask %#x values %v body % x, want %#x, alive, score 0, a 3-cell body", mask, v, body, want)
	}
	// From before the death straight to after the respawn.
	roundTrip(t, s0, s3)
}

func TestDeltaJoinLeave(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {5, 6}, {5, 7}}, Dir: snake.Up}
	b := snake.Placed{ID: 2, Cells: []xy{{9, 5}, {9, 6}, {9, 7}}, Dir: snake.Up}
	g := placed(t, board(16, 16), []snake.Placed{a, b}, nil)
	s0 := g.AppendSnapshot(nil)
	if err := g.Join(7, ""); err != nil {
		t.Fatal(err)
	}
	g.Leave(1)
	s1 := stepSnap(t, g, 1)
	d := roundTrip(t, s0, s1)
	if !reflect.DeepEqual(d.Gone, []uint64{1}) || len(d.Added) != 1 || d.Added[0].Player != 7 || d.Added[0].Status != snake.Alive {
		t.Errorf("gone %v, added %+v; want gone [1], added player 7 alive", d.Gone, d.Added)
	}
}

// TestDeltaFoodRespawned: eating one item of many moves the last item
// into its place and adds one at the end; the edit says just that.
func TestDeltaFoodRespawned(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {5, 6}, {5, 7}}, Dir: snake.Up}
	var food []xy
	for x := range 12 {
		food = append(food, xy{x, 14})
	}
	food[3] = xy{5, 4} // item 3 is in the way
	cfg := board(16, 16)
	cfg.Food = 12
	g := placed(t, cfg, []snake.Placed{a}, food)
	s0 := g.AppendSnapshot(nil)
	s1 := stepSnap(t, g, 1)
	d := roundTrip(t, s0, s1)
	edit, ok := d.Food.([]any)
	if !ok || len(edit) != 3 {
		t.Fatalf("food %#v, want an edit", d.Food)
	}
	gone, at, cells := edit[0].([]any), edit[1].([]any), edit[2].([]byte)
	if len(gone) != 2 || toInt(gone[0]) != 3 || toInt(gone[1]) != 11 ||
		len(at) != 2 || toInt(at[0]) != 3 || toInt(at[1]) != 11 ||
		!bytes.Equal(cells[:2], []byte{0, 14*16 + 11}) {
		t.Errorf("food edit gone %v at %v cells % x; want gone [3 11], at [3 11], cells (11,14) and the new one", gone, at, cells)
	}
}

func TestDeltaView(t *testing.T) {
	t.Parallel()
	cfg := snake.Config{Width: 64, Height: 64, RespawnTicks: 5, MaxPlayers: 8, View: 8, ViewGrid: 8}
	// p1 heads right and crosses from chunk 1 into chunk 2 on tick 3; its
	// view moves from x 0-23 to x 8-31. p2, at x 28, is only in the new
	// view and p3, at x 2, only in the old.
	p1 := snake.Placed{ID: 1, Cells: []xy{{13, 10}, {12, 10}, {11, 10}}, Dir: snake.Right}
	p2 := snake.Placed{ID: 2, Cells: []xy{{28, 12}, {28, 11}, {28, 10}}, Dir: snake.Down}
	p3 := snake.Placed{ID: 3, Cells: []xy{{2, 12}, {2, 11}, {2, 10}}, Dir: snake.Down}
	g := placed(t, cfg, []snake.Placed{p1, p2, p3}, []xy{{4, 4}, {30, 4}})
	var views [][]byte
	var rects []game.Rect
	for tick := uint32(1); tick <= 3; tick++ {
		step(t, g, tick)
		r, ok := g.View(1)
		if !ok {
			t.Fatal("no view")
		}
		views, rects = append(views, g.AppendView(nil, r)), append(rects, r)
	}
	if want := (game.Rect{X: 0, Y: 0, W: 24, H: 24}); rects[1] != want {
		t.Fatalf("view on tick 2 = %+v, want %+v", rects[1], want)
	}
	if want := (game.Rect{X: 8, Y: 0, W: 24, H: 24}); rects[2] != want {
		t.Fatalf("view on tick 3 = %+v, want %+v", rects[2], want)
	}
	d := roundTrip(t, views[0], views[1])
	if d.View != nil || len(d.Changed) != 0 || len(d.Gone)+len(d.Added) != 0 {
		t.Errorf("view unchanged: %+v, want only moves", d)
	}
	d = roundTrip(t, views[1], views[2])
	if !reflect.DeepEqual(d.View, []any{int8(8), int8(0), int8(24), int8(24)}) {
		t.Errorf("view moved: view element %#v, want [8 0 24 24]", d.View)
	}
	if !reflect.DeepEqual(d.Gone, []uint64{3}) || len(d.Added) != 1 || d.Added[0].Player != 2 || d.Added[0].Len != 3 {
		t.Errorf("view moved: gone %v, added %+v; want p3 gone, p2 added whole", d.Gone, d.Added)
	}
	if f, ok := d.Food.([]byte); !ok || !bytes.Equal(f, []byte{1, 4*64 + 30 - 256}) {
		t.Errorf("view moved: food %#v, want the whole new list, (30,4)", d.Food)
	}

	// A fixed rect that a snake leaves and another enters.
	r := game.Rect{X: 0, Y: 0, W: 64, H: 14}
	a := g.AppendView(nil, r)
	for tick := uint32(4); tick <= 7; tick++ {
		step(t, g, tick)
	}
	b := g.AppendView(nil, r)
	d = roundTrip(t, a, b)
	if d.View != nil || !reflect.DeepEqual(d.Gone, []uint64{2, 3}) {
		t.Errorf("snakes heading down out of %+v: view %v, gone %v; want nil, [2 3]", r, d.View, d.Gone)
	}

	// Between full and view snapshots.
	full := g.AppendSnapshot(nil)
	if d = roundTrip(t, b, full); !reflect.DeepEqual(d.View, []any{}) {
		t.Errorf("view to full: view element %#v, want []", d.View)
	}
	if d = roundTrip(t, full, b); !reflect.DeepEqual(d.View, []any{int8(0), int8(0), int8(64), int8(14)}) {
		t.Errorf("full to view: view element %#v, want the rect", d.View)
	}
}

// TestDeltaFarBase takes deltas over many ticks: a snake that lived through
// sends its new moves; one shorter than the interval sends them too (with
// a made-up path from its tail to its old head) while that is cheaper than
// sending it whole.
func TestDeltaFarBase(t *testing.T) {
	t.Parallel()
	var cells []xy
	for x := 20; x >= 2; x-- {
		cells = append(cells, xy{x, 2})
	}
	a := snake.Placed{ID: 1, Cells: cells, Dir: snake.Right, Score: uint32(len(cells) - 3)}
	b := snake.Placed{ID: 2, Cells: []xy{{5, 10}, {5, 11}, {5, 12}}, Dir: snake.Up}
	g := placed(t, board(64, 64), []snake.Placed{a, b}, nil)
	s0 := g.AppendSnapshot(nil)
	var s12 []byte
	for tick := uint32(1); tick <= 30; tick++ {
		switch tick {
		case 1:
			input(t, g, 2, snake.Right)
		case 6:
			input(t, g, 1, snake.Down)
		case 9:
			input(t, g, 2, snake.Down)
		}
		step(t, g, tick)
		if tick == 12 {
			s12 = g.AppendSnapshot(nil)
		}
	}
	s := snap(t, g)
	if snakeOf(t, s, 1).Status != snake.Alive || snakeOf(t, s, 2).Status != snake.Alive {
		t.Fatal("a snake died")
	}
	cur := g.AppendSnapshot(nil)

	d := roundTrip(t, s0, s12)
	if d.Steps != 12 || len(d.Moves) != 6 || len(d.Changed) != 0 {
		t.Errorf("12 ticks: steps %d, %d bytes of moves, changed %v; want 12, 2x24 bits, none", d.Steps, len(d.Moves), d.Changed)
	}
	// 30 moves cost 60 bits: less than a's 19 cells whole, more than b's 3.
	d = roundTrip(t, s0, cur)
	if d.Steps != 30 || len(d.Moves) != 8 {
		t.Errorf("30 ticks: steps %d, %d bytes of moves; want 30, 60 bits for a", d.Steps, len(d.Moves))
	}
	if mask, _, _, _ := d.entry(1); mask != 0 {
		t.Errorf("a: entry mask %#x, want none", mask)
	}
	if mask, _, body, _ := d.entry(2); mask != mHead|mBody|mDir || len(body) != 1 {
		t.Errorf("b: entry mask %#x body % x, want its head, body and dir (it turned)", mask, body)
	}

	// And a delta to itself is nothing at all.
	if d = roundTrip(t, cur, cur); d.Len > 16 || d.Steps != 0 || len(d.Changed) != 0 || d.Food != nil {
		t.Errorf("delta of a snapshot to itself: %+v", d)
	}
}

// TestPatchRejects builds deltas with the msgpack library from the
// documented format (its integer encodings are not the smallest, which
// Patch must accept) and checks that Patch rejects each way of not fitting
// the base with ErrBadDelta.
func TestPatchRejects(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {5, 6}, {5, 7}}, Dir: snake.Up}
	b := snake.Placed{ID: 2, Cells: []xy{{9, 5}, {9, 6}, {9, 7}}, Dir: snake.Up}
	g := placed(t, board(16, 16), []snake.Placed{a, b}, []xy{{0, 0}, {1, 0}})
	base := g.AppendSnapshot(nil)
	step(t, g, 1)
	cur := g.AppendSnapshot(nil)
	crc := crc32.ChecksumIEEE(base)
	// Both snakes moved up: each new move is down.
	good := func() []any {
		return []any{uint32(0), crc, uint32(1), nil, []any{}, []any{}, []any{}, uint32(1), []byte{2 | 2<<2}, nil}
	}
	encode := func(d []any) []byte {
		b, err := msgpack.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	got, err := snake.Patch(nil, base, encode(good()))
	if err != nil || !bytes.Equal(got, cur) {
		t.Fatalf("library-encoded delta: %v\n% x\nwant\n% x", err, got, cur)
	}
	newSnake := []any{uint32(5), 0, 0, 0, 0, 0, 0, 0, []byte{}}
	for name, edit := range map[string]func(d []any){
		"nine fields":               func(d []any) {},
		"gone player not in base":   func(d []any) { d[4] = []any{3} },
		"gone not ascending":        func(d []any) { d[4] = []any{2, 1} },
		"changed player not there":  func(d []any) { d[6] = []any{[]any{7, mScore, 1}} },
		"entry too short for mask":  func(d []any) { d[6] = []any{[]any{1, mScore | mBest, 1}} },
		"unknown mask bit":          func(d []any) { d[6] = []any{[]any{1, 256, 1}} },
		"head for a lived-through":  func(d []any) { d[6] = []any{[]any{1, mHead, 3}} },
		"len beyond base and moves": func(d []any) { d[6] = []any{[]any{1, mLen, 5}} },
		"dead with a body":          func(d []any) { d[6] = []any{[]any{1, mStatus, 2}} },
		"added player in base":      func(d []any) { s := slices.Clone(newSnake); s[0] = 2; d[5] = []any{s} },
		"added snake off board": func(d []any) {
			s := slices.Clone(newSnake)
			s[1], s[5], s[7], s[8] = 1, 0, 2, []byte{3}
			d[5] = []any{s}
		},
		"moves too short":         func(d []any) { d[8] = []byte{} },
		"moves too long":          func(d []any) { d[8] = []byte{0x0a, 0} },
		"moves off the board":     func(d []any) { d[7], d[8] = 6, []byte{0xaa, 0xaa, 0xaa} }, // back 6 up from y 5
		"food index beyond":       func(d []any) { d[9] = []any{[]any{2}, []any{}, []byte{}} },
		"food position beyond":    func(d []any) { d[9] = []any{[]any{}, []any{3}, []byte{0, 5}} },
		"food cells odd":          func(d []any) { d[9] = []byte{0} },
		"food cell off the board": func(d []any) { d[9] = []byte{1, 0} },
		"view off the board":      func(d []any) { d[3] = []any{10, 0, 10, 4} },
		"trailing bytes":          func(d []any) {},
	} {
		d := good()
		edit(d)
		b := encode(d)
		if name == "nine fields" {
			b = encode(d[:9])
		}
		if name == "trailing bytes" {
			b = append(b, 0)
		}
		if _, err := snake.Patch(nil, base, b); !errors.Is(err, snake.ErrBadDelta) {
			t.Errorf("%s: Patch = %v, want ErrBadDelta", name, err)
		}
	}
	d := good()
	d[1] = crc + 1
	if _, err := snake.Patch(nil, base, encode(d)); !errors.Is(err, snake.ErrWrongBase) {
		t.Errorf("wrong crc: Patch = %v, want ErrWrongBase", err)
	}
	d = good()
	d[0] = 1
	if _, err := snake.Patch(nil, base, encode(d)); !errors.Is(err, snake.ErrWrongBase) {
		t.Errorf("wrong base tick: Patch = %v, want ErrWrongBase", err)
	}
}
