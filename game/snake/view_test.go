package snake_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

func TestConfigView(t *testing.T) {
	t.Parallel()
	ok := snake.DefaultConfig()
	ok.View, ok.ViewMargin, ok.ViewGrid = 48, 8, 16
	if err := ok.Validate(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
	for name, c := range map[string]func(*snake.Config){
		"negative view":       func(c *snake.Config) { c.View = -1 },
		"view too big":        func(c *snake.Config) { c.View = snake.MaxSide + 1 },
		"negative margin":     func(c *snake.Config) { c.ViewMargin = -1 },
		"negative grid":       func(c *snake.Config) { c.ViewGrid = -1 },
		"margin without view": func(c *snake.Config) { c.View, c.ViewGrid = 0, 0 },
		"grid without view":   func(c *snake.Config) { c.View, c.ViewMargin = 0, 0 },
	} {
		cfg := ok
		c(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, cfg)
		}
	}

	// Unused, the view fields leave the config's msgpack map as it was
	// (recorded matches carry it); used, they travel and reopen.
	b, err := msgpack.Marshal(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := msgpack.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 5 {
		t.Errorf("default config encodes %v, want its 5 fields only", m)
	}
	if b, err = msgpack.Marshal(ok); err != nil {
		t.Fatal(err)
	}
	g, err := snake.Open(game.Setup{Seed: 1}, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Config(); got != ok {
		t.Errorf("reopened config %+v, want %+v", got, ok)
	}
}

// TestViewRect checks View's rect for every head position: it holds the
// viewport and margin around the head, is made of whole chunks (but at
// the board's edges) and depends only on the head's chunk.
func TestViewRect(t *testing.T) {
	t.Parallel()
	for _, cfg := range []snake.Config{
		{Width: 64, Height: 40, RespawnTicks: 1, MaxPlayers: 1, View: 8, ViewMargin: 2, ViewGrid: 8},
		{Width: 200, Height: 256, RespawnTicks: 1, MaxPlayers: 1, View: 48, ViewMargin: 8},
		{Width: 30, Height: 30, RespawnTicks: 1, MaxPlayers: 1, View: 7, ViewGrid: 1},
		{Width: 16, Height: 16, RespawnTicks: 1, MaxPlayers: 1, View: 64},
	} {
		g, err := snake.New(cfg, game.Setup{})
		if err != nil {
			t.Fatal(err)
		}
		grid := cfg.ViewGrid
		if grid == 0 {
			grid = snake.DefaultViewGrid
		}
		reach := cfg.View/2 + cfg.ViewMargin
		byChunk := map[[2]int]game.Rect{}
		for y := range cfg.Height {
			for x := range cfg.Width {
				r := snake.ViewAround(g, x, y)
				name := fmt.Sprintf("%dx%d view %d+%d grid %d, head (%d,%d): %+v", cfg.Width, cfg.Height, cfg.View, cfg.ViewMargin, grid, x, y, r)
				if r.X > max(x-reach, 0) || r.Y > max(y-reach, 0) ||
					r.X+r.W < min(x+reach+1, cfg.Width) || r.Y+r.H < min(y+reach+1, cfg.Height) {
					t.Fatalf("%s does not hold the cells within %d of the head", name, reach)
				}
				if r.X < 0 || r.Y < 0 || r.X+r.W > cfg.Width || r.Y+r.H > cfg.Height {
					t.Fatalf("%s is not on the board", name)
				}
				if r.X%grid != 0 || r.Y%grid != 0 ||
					(r.X+r.W)%grid != 0 && r.X+r.W != cfg.Width || (r.Y+r.H)%grid != 0 && r.Y+r.H != cfg.Height {
					t.Fatalf("%s is not whole chunks", name)
				}
				// Rounding to the head's chunk and then to whole chunks adds
				// at most 2*(grid-1) cells on each side.
				if most := 2*reach + 1 + 4*(grid-1); r.W > most || r.H > most {
					t.Fatalf("%s is wider than %d", name, most)
				}
				chunk := [2]int{x / grid, y / grid}
				if prev, ok := byChunk[chunk]; ok && prev != r {
					t.Fatalf("%s differs from %+v in the same chunk", name, prev)
				}
				byChunk[chunk] = r
			}
		}
	}
}

func TestViewPlayers(t *testing.T) {
	t.Parallel()
	cfg := snake.Config{Width: 64, Height: 64, RespawnTicks: 3, MaxPlayers: 4, View: 8, ViewGrid: 8}
	a := snake.Placed{ID: 1, Cells: []xy{{20, 0}, {20, 1}, {20, 2}}, Dir: snake.Up}
	b := snake.Placed{ID: 2, Cells: []xy{{22, 2}, {22, 1}, {22, 0}}, Dir: snake.Down}
	g := placed(t, cfg, []snake.Placed{a, b}, nil)
	ra, ok := g.View(1)
	if !ok || ra != snake.ViewAround(g, 20, 0) {
		t.Errorf("View(1) = %+v, %v; want the view around its head", ra, ok)
	}
	if rb, _ := g.View(2); rb != ra {
		t.Errorf("players in one chunk: views %+v and %+v, want the same", ra, rb)
	}
	if err := g.Join(3, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.View(3); ok {
		t.Error("a player who never had a snake has a view, want the whole board")
	}
	if _, ok := g.View(9); ok {
		t.Error("an unknown player has a view")
	}
	step(t, g, 1) // a dies on the wall
	if s := snap(t, g); snakeOf(t, s, 1).Status != snake.Dead {
		t.Fatal("a did not die")
	}
	if r, ok := g.View(1); !ok || r != ra {
		t.Errorf("dead player's view = %+v, %v; want where it died, %+v", r, ok, ra)
	}
	off := placed(t, snake.Config{Width: 64, Height: 64, RespawnTicks: 3, MaxPlayers: 4}, []snake.Placed{a}, nil)
	if _, ok := off.View(1); ok {
		t.Error("View with area of interest off, want the whole board")
	}
}

// TestAppendViewGolden pins the view format to bytes worked out by hand.
func TestAppendViewGolden(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{1, 1}, {1, 2}}, Dir: snake.Up, Score: 0}
	b := snake.Placed{ID: 2, Cells: []xy{{6, 6}, {6, 5}, {6, 4}}, Dir: snake.Down}
	cfg := board(8, 8)
	g, err := snake.NewPlaced(cfg, 1, []snake.Placed{a, b}, []xy{{7, 7}, {0, 0}, {5, 3}})
	if err != nil {
		t.Fatal(err)
	}
	// Rows 0-4 of columns 0-7: a's whole body and b's tail, so all of b;
	// food (0,0) and (5,3), not (7,7).
	got := g.AppendView(nil, game.Rect{X: -3, Y: 0, W: 20, H: 5})
	want := []byte{
		0x96,       // view snapshot: array of 6
		0x00,       // tick
		0x08, 0x08, // width, height
		0x92,
		0x99, 0x01, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x02, 0xc4, 0x01, 0x02, // a: head (1,1), one move down
		0x99, 0x02, 0x01, 0x00, 0x00, 0x00, 0x36, 0x02, 0x03, 0xc4, 0x01, 0x00, // b: head (6,6), moves up, up
		0xc4, 0x04, 0x00, 0x00, 0x00, 0x1d, // food (0,0) and (5,3) in placement order
		0x94, 0x00, 0x00, 0x08, 0x05, // the rect, clipped to the board
	}
	if !bytes.Equal(got, want) {
		t.Errorf("view =\n% x\nwant\n% x", got, want)
	}
	s, err := snake.DecodeSnapshot(want)
	if err != nil {
		t.Fatal(err)
	}
	if s.View == nil || *s.View != (game.Rect{W: 8, H: 5}) || s.Area() != *s.View || len(s.Snakes) != 2 {
		t.Errorf("decoded view %+v", s)
	}
	if s := snap(t, g); s.View != nil || s.Area() != (game.Rect{W: 8, H: 8}) {
		t.Errorf("full snapshot: View %v, Area %+v", s.View, s.Area())
	}
	// A rect that misses the board: an empty view.
	got = g.AppendView(nil, game.Rect{X: 8, Y: 0, W: 5, H: 5})
	if want := []byte{0x96, 0x00, 0x08, 0x08, 0x90, 0xc4, 0x00, 0x94, 0, 0, 0, 0}; !bytes.Equal(got, want) {
		t.Errorf("empty view =\n% x\nwant\n% x", got, want)
	}
}

// TestAppendViewContents checks views against the full snapshot, over
// random matches and rects: exactly the snakes with a cell in the rect,
// whole, and the food in the rect, in order.
func TestAppendViewContents(t *testing.T) {
	t.Parallel()
	for ci, cfg := range viewConfigs {
		m := newMatch(t, uint64(ci)+10, cfg)
		rnd := rand.New(rand.NewPCG(uint64(ci), 11))
		for range 200 {
			m.tick(t)
			full := snap(t, m.g)
			r := game.Rect{X: rnd.IntN(cfg.Width+6) - 3, Y: rnd.IntN(cfg.Height+6) - 3, W: rnd.IntN(cfg.Width), H: rnd.IntN(cfg.Height)}
			b := m.g.AppendView([]byte("prefix"), r)
			view, err := snake.DecodeSnapshot(b[len("prefix"):])
			if err != nil {
				t.Fatal(err)
			}
			if err := checkView(full, view, r); err != nil {
				t.Fatalf("tick %d, rect %+v: %v", m.ticks, r, err)
			}
		}
	}
}

func checkView(full, view *snake.Snapshot, r game.Rect) error {
	w, h := int(full.Width), int(full.Height)
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, w), min(r.Y+r.H, h)
	want := game.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	if want.W <= 0 || want.H <= 0 {
		want = game.Rect{}
	}
	if view.View == nil || *view.View != want {
		return fmt.Errorf("rect %v, want %+v", view.View, want)
	}
	in := func(c uint16) bool {
		x, y := int(c)%w, int(c)/w
		return x >= want.X && x < want.X+want.W && y >= want.Y && y < want.Y+want.H
	}
	var snakes []snake.Snake
	for _, sn := range full.Snakes {
		cells, _ := full.AppendCells(nil, &sn)
		if slices.ContainsFunc(cells, in) {
			snakes = append(snakes, sn)
		}
	}
	if !slices.EqualFunc(snakes, view.Snakes, func(a, b snake.Snake) bool {
		return a.Player == b.Player && a.Head == b.Head && a.Len == b.Len && a.Score == b.Score && bytes.Equal(a.Body, b.Body)
	}) {
		return fmt.Errorf("snakes %+v, want %+v", view.Snakes, snakes)
	}
	var food []uint16
	for _, c := range full.AppendFood(nil) {
		if in(c) {
			food = append(food, c)
		}
	}
	if got := view.AppendFood(nil); !slices.Equal(got, food) {
		return fmt.Errorf("food %v, want %v", got, food)
	}
	if view.Tick != full.Tick || view.Width != full.Width || view.Height != full.Height {
		return errors.New("header differs from the full snapshot's")
	}
	return nil
}

func TestDecodeViewErrors(t *testing.T) {
	t.Parallel()
	g := placed(t, board(8, 8), nil, nil)
	good := g.AppendView(nil, game.Rect{X: 1, Y: 2, W: 3, H: 4})
	if _, err := snake.DecodeSnapshot(good); err != nil {
		t.Fatal(err)
	}
	n := len(good)
	for name, corrupt := range map[string]func(b []byte){
		"off the board":  func(b []byte) { b[n-4] = 6 }, // x 6 + w 3 > 8
		"empty not at 0": func(b []byte) { b[n-1] = 0 }, // h 0 at (1,2)
		"3 fields":       func(b []byte) { b[n-5] = 0x93 },
		"7 elements":     func(b []byte) { b[0] = 0x97 },
	} {
		b := bytes.Clone(good)
		corrupt(b)
		if _, err := snake.DecodeSnapshot(b); !errors.Is(err, snake.ErrBadSnapshot) {
			t.Errorf("%s: DecodeSnapshot(% x) = %v, want ErrBadSnapshot", name, b, err)
		}
	}
	// The msgpack library maps full snapshots only, as documented.
	var lib snake.Snapshot
	if err := msgpack.Unmarshal(good, &lib); err == nil {
		t.Errorf("the library decoded a view snapshot into %+v; the doc says it cannot", lib)
	}
}
