package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

const deltaFixturePath = "../../docs/vectors/snake-deltas.json"

// deltaFixture is a sequence of Snake deltas as the server computes them,
// each with the snapshot it was taken from and the one it stands for. The
// JavaScript tests (test/delta.test.js) patch every base with its delta and
// must get cur byte for byte, as snake.Patch does.
type deltaFixture struct {
	Comment string `json:"comment"`
	// Features are what the deltas exercise, as deltaFeatures names them.
	Features []string     `json:"features"`
	Entries  []deltaEntry `json:"entries"`
}

// deltaEntry is one delta. Base, Delta and Cur are base64.
type deltaEntry struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // full, view, or mixed (between a view and a full snapshot)
	Gap   int64  `json:"gap"`  // cur's tick minus base's
	Base  string `json:"base"`
	Delta string `json:"delta"`
	Cur   string `json:"cur"`
}

// TestSnakeDeltaFixture checks that the committed delta fixture is exactly
// what the snake package generates now, so that it cannot drift from the Go
// code the JavaScript patcher must agree with, and that every delta in it
// patches its base into cur with snake.Patch.
func TestSnakeDeltaFixture(t *testing.T) {
	want := genDeltaFixture(t)
	out, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *update {
		if err := os.WriteFile(deltaFixturePath, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(deltaFixturePath)
	if err != nil {
		t.Fatalf("%v (go test ./clients/web -run TestSnakeDeltaFixture -update writes it)", err)
	}
	if !bytes.Equal(have, out) {
		t.Fatalf("%s differs from what the snake package generates now: run go test ./clients/web -run TestSnakeDeltaFixture -update, then the JavaScript tests", deltaFixturePath)
	}
	for _, e := range want.Entries {
		base, delta, cur := unb64(t, e.Base), unb64(t, e.Delta), unb64(t, e.Cur)
		got, err := snake.Patch(nil, base, delta)
		if err != nil {
			t.Fatalf("%s: Patch: %v", e.Name, err)
		}
		if !bytes.Equal(got, cur) {
			t.Fatalf("%s: Patch does not give cur", e.Name)
		}
	}
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deltaGen collects fixture entries.
type deltaGen struct {
	t        *testing.T
	entries  []deltaEntry
	features map[string]bool
}

func (d *deltaGen) add(name, kind string, base, cur []byte) {
	d.t.Helper()
	delta, err := snake.Delta(nil, base, cur)
	if err != nil {
		d.t.Fatalf("%s: Delta: %v", name, err)
	}
	bt, ct := snapTick(d.t, base), snapTick(d.t, cur)
	for _, f := range deltaFeatures(d.t, delta) {
		d.features[f] = true
	}
	if livedThroughShort(d.t, base, cur, delta) {
		d.features["moves:lived-through-short"] = true
	}
	d.entries = append(d.entries, deltaEntry{
		Name: name, Kind: kind, Gap: int64(ct) - int64(bt),
		Base:  base64.StdEncoding.EncodeToString(base),
		Delta: base64.StdEncoding.EncodeToString(delta),
		Cur:   base64.StdEncoding.EncodeToString(cur),
	})
}

func isView(t *testing.T, b []byte) bool {
	t.Helper()
	s, err := snake.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return s.View != nil
}

func snapTick(t *testing.T, b []byte) uint32 {
	t.Helper()
	s, err := snake.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	return s.Tick
}

// requiredFeatures are what the fixture must exercise for the JavaScript
// patcher's test to mean something: every element of the delta format in
// each of its forms, and every integer, array and bin encoding it uses.
var requiredFeatures = []string{
	"view:same", "view:full", "view:rect", "view:empty-rect",
	"gone", "added",
	"mask:status", "mask:score", "mask:best", "mask:respawn_in", "mask:head", "mask:len", "mask:body", "mask:dir",
	"steps:0", "steps:1", "steps:many", "moves:empty", "moves:lived-through-short",
	"food:same", "food:whole", "food:edit", "food:edit-gone", "food:edit-at",
	"snapshot:view", "snapshot:full",
	"cur:uint8", "cur:uint16", "cur:uint32", "cur:array16", "cur:bin16",
	"delta:uint8", "delta:uint16", "delta:uint32", "delta:array16", "delta:bin16",
}

// deltaFeatures names what a delta exercises; see requiredFeatures.
func deltaFeatures(t *testing.T, delta []byte) []string {
	t.Helper()
	var v []any
	if err := msgpack.Unmarshal(delta, &v); err != nil || len(v) != 10 {
		t.Fatalf("delta %x: %v", delta, err)
	}
	var f []string
	switch view := v[3].(type) {
	case nil:
		f = append(f, "view:same")
	case []any:
		switch {
		case len(view) == 0:
			f = append(f, "view:full")
		case num(view[2]) == 0:
			f = append(f, "view:empty-rect")
		default:
			f = append(f, "view:rect")
		}
	}
	if len(v[4].([]any)) > 0 {
		f = append(f, "gone")
	}
	if len(v[5].([]any)) > 0 {
		f = append(f, "added")
	}
	for _, c := range v[6].([]any) {
		mask := num(c.([]any)[1])
		for k, name := range []string{"status", "score", "best", "respawn_in", "head", "len", "body", "dir"} {
			if mask&(1<<k) != 0 {
				f = append(f, "mask:"+name)
			}
		}
	}
	switch steps := num(v[7]); {
	case steps == 0:
		f = append(f, "steps:0")
	case steps == 1:
		f = append(f, "steps:1")
	default:
		f = append(f, "steps:many")
	}
	moves, _ := v[8].([]byte)
	if len(moves) == 0 {
		f = append(f, "moves:empty")
	}
	switch food := v[9].(type) {
	case nil:
		f = append(f, "food:same")
	case []byte:
		f = append(f, "food:whole")
	case []any:
		f = append(f, "food:edit")
		if len(food[0].([]any)) > 0 {
			f = append(f, "food:edit-gone")
		}
		if len(food[1].([]any)) > 0 {
			f = append(f, "food:edit-at")
		}
	}
	for enc := range encodings(t, delta) {
		f = append(f, "delta:"+enc)
	}
	return f
}

// livedThroughShort reports whether a snake of cur lived through the
// delta with fewer cells than the delta has steps: its moves then end with
// a made-up path back to its base head.
func livedThroughShort(t *testing.T, base, cur, delta []byte) bool {
	t.Helper()
	b, err := snake.DecodeSnapshot(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := snake.DecodeSnapshot(cur)
	if err != nil {
		t.Fatal(err)
	}
	var v []any
	if err := msgpack.Unmarshal(delta, &v); err != nil {
		t.Fatal(err)
	}
	steps := num(v[7])
	masks := map[uint64]uint64{}
	for _, e := range v[6].([]any) {
		masks[num(e.([]any)[0])] = num(e.([]any)[1])
	}
	alive := map[game.PlayerID]bool{}
	for _, s := range b.Snakes {
		alive[s.Player] = s.Status == snake.Alive
	}
	for _, s := range c.Snakes {
		if alive[s.Player] && s.Status == snake.Alive && masks[uint64(s.Player)]&(1|64) == 0 && uint64(s.Len) <= steps {
			return true
		}
	}
	return false
}

// snapshotFeatures names what a cur snapshot exercises.
func snapshotFeatures(t *testing.T, cur []byte) []string {
	t.Helper()
	s, err := snake.DecodeSnapshot(cur)
	if err != nil {
		t.Fatal(err)
	}
	f := []string{"snapshot:full"}
	if s.View != nil {
		f[0] = "snapshot:view"
	}
	for enc := range encodings(t, cur) {
		f = append(f, "cur:"+enc)
	}
	return f
}

// encodings walks msgpack bytes and names the encodings of the integers,
// arrays and bins in them that take more than a byte of header: uint8,
// uint16, uint32, array16, bin16 (bin8 being the usual one).
func encodings(t *testing.T, b []byte) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	var walk func(b []byte) []byte
	walk = func(b []byte) []byte {
		if len(b) == 0 {
			t.Fatal("msgpack ends early")
		}
		c := b[0]
		switch {
		case c < 0x80 || c == 0xc0:
			return b[1:]
		case c >= 0x90 && c <= 0x9f:
			n := int(c & 0x0f)
			b = b[1:]
			for range n {
				b = walk(b)
			}
			return b
		case c == 0xdc:
			seen["array16"] = true
			n := int(b[1])<<8 | int(b[2])
			b = b[3:]
			for range n {
				b = walk(b)
			}
			return b
		case c == 0xcc:
			seen["uint8"] = true
			return b[2:]
		case c == 0xcd:
			seen["uint16"] = true
			return b[3:]
		case c == 0xce:
			seen["uint32"] = true
			return b[5:]
		case c == 0xc4:
			return b[2+int(b[1]):]
		case c == 0xc5:
			seen["bin16"] = true
			return b[3+(int(b[1])<<8|int(b[2])):]
		}
		t.Fatalf("unexpected msgpack byte %#x", c)
		return nil
	}
	if rest := walk(b); len(rest) != 0 {
		t.Fatalf("%d bytes after the msgpack value", len(rest))
	}
	return seen
}

func num(v any) uint64 {
	switch x := v.(type) {
	case int8:
		return uint64(x)
	case int16:
		return uint64(x)
	case int32:
		return uint64(x)
	case int64:
		return uint64(x)
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case uint64:
		return x
	}
	panic(fmt.Sprintf("not an integer: %T", v))
}

// fixtureMatch is a seeded Snake game with simple players: some steer to
// food and away from walls, the reckless ones wander and crash.
type fixtureMatch struct {
	t        *testing.T
	g        *snake.Game
	tick     uint32
	rnd      uint64
	reckless map[game.PlayerID]bool
	s        snake.Snapshot
	board    snake.Board
}

func newFixtureMatch(t *testing.T, cfg snake.Config, seed uint64, startTick uint32) *fixtureMatch {
	g, err := snake.New(cfg, game.Setup{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &fixtureMatch{t: t, g: g, tick: startTick, rnd: seed | 1, reckless: map[game.PlayerID]bool{}}
}

func (m *fixtureMatch) join(p game.PlayerID, reckless bool) {
	if err := m.g.Join(p, ""); err != nil {
		m.t.Fatal(err)
	}
	m.reckless[p] = reckless
}

func (m *fixtureMatch) leave(p game.PlayerID) {
	m.g.Leave(p)
	delete(m.reckless, p)
}

func (m *fixtureMatch) member(p game.PlayerID) bool {
	_, ok := m.reckless[p]
	return ok
}

func (m *fixtureMatch) random() uint64 {
	m.rnd = m.rnd*6364136223846793005 + 1442695040888963407
	return m.rnd >> 33
}

// step sends this tick's turns and steps the game; it returns the full
// snapshot.
func (m *fixtureMatch) step() []byte {
	full := m.g.AppendSnapshot(nil)
	if err := m.s.Decode(full); err != nil {
		m.t.Fatal(err)
	}
	if err := m.board.Load(&m.s); err != nil {
		m.t.Fatal(err)
	}
	w := int(m.s.Width)
	food := m.s.AppendFood(nil)
	for _, sn := range m.s.Snakes {
		if sn.Status != snake.Alive {
			continue
		}
		x, y := int(sn.Head)%w, int(sn.Head)/w
		free := func(d snake.Direction) bool { dx, dy := d.Delta(); return m.board.Free(x+dx, y+dy) }
		turn := sn.Dir
		r := m.random()
		switch {
		case m.reckless[sn.Player]:
			if r%5 == 0 {
				turn = sn.Dir.TurnLeft()
			} else if r%7 == 0 {
				turn = sn.Dir.TurnRight()
			}
		case len(food) > 0 && r%3 != 0:
			fc := food[int(sn.Player)%len(food)]
			fx, fy := int(fc)%w, int(fc)/w
			for _, d := range []snake.Direction{snake.Up, snake.Right, snake.Down, snake.Left} {
				dx, dy := d.Delta()
				if d != sn.Dir.Reverse() && free(d) && absInt(fx-x-dx)+absInt(fy-y-dy) < absInt(fx-x)+absInt(fy-y) {
					turn = d
					break
				}
			}
		case r%9 == 0:
			turn = sn.Dir.TurnRight()
		}
		if !m.reckless[sn.Player] && !free(turn) {
			for _, d := range []snake.Direction{sn.Dir, sn.Dir.TurnLeft(), sn.Dir.TurnRight()} {
				if free(d) {
					turn = d
					break
				}
			}
		}
		if turn != sn.Dir {
			if err := m.g.Input(sn.Player, snake.EncodeTurn(turn)); err != nil {
				m.t.Fatal(err)
			}
		}
	}
	m.tick++
	m.g.Step(m.tick)
	return m.g.AppendSnapshot(nil)
}

func absInt(v int) int { return max(v, -v) }

// genDeltaFixture plays three seeded games and takes deltas as a server
// would send them: full snapshots a tick apart and several ticks apart
// (dropped snapshots, a late resume), full snapshots on a big board past
// tick 65535, and each player's view as it follows the snake, with players
// and food entering and leaving it.
func genDeltaFixture(t *testing.T) deltaFixture {
	d := &deltaGen{t: t, features: map[string]bool{}}
	genFullDeltas(d)
	genBigDeltas(d)
	genViewDeltas(d)

	for _, e := range d.entries {
		for _, f := range snapshotFeatures(t, unb64(t, e.Cur)) {
			d.features[f] = true
		}
	}
	var missing []string
	for _, f := range requiredFeatures {
		if !d.features[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the generated deltas lack %s", strings.Join(missing, ", "))
	}
	features := make([]string, 0, len(d.features))
	for f := range d.features {
		features = append(features, f)
	}
	sort.Strings(features)
	return deltaFixture{
		Comment: "Snake deltas taken by the Go snake package from seeded games (clients/web/delta_fixture_test.go; " +
			"go test ./clients/web -run TestSnakeDeltaFixture -update regenerates it). " +
			"Patching base (base64) with delta gives cur byte for byte.",
		Features: features,
		Entries:  d.entries,
	}
}

// genFullDeltas: a 24x20 room whose players come and go, full snapshots.
func genFullDeltas(d *deltaGen) {
	cfg := snake.Config{Width: 24, Height: 20, Food: 10, RespawnTicks: 5, MaxPlayers: 8}
	m := newFixtureMatch(d.t, cfg, 11, 0)
	m.join(1, false)
	m.join(2, true)
	m.join(200, false) // a uint8 player id
	m.join(70000, true)
	hist := [][]byte{m.g.AppendSnapshot(nil)} // by tick
	gaps := []int{2, 3, 5, 8, 20, 60, 150}
	for m.tick < 300 {
		switch m.tick {
		case 30:
			m.join(300, false) // a uint16 player id
		case 90:
			m.leave(2)
		case 120:
			m.join(2, false)
		case 200:
			m.leave(70000)
			m.leave(1)
		}
		cur := m.step()
		hist = append(hist, cur)
		tick := int(m.tick)
		if tick%3 == 1 || tick < 12 {
			d.add(fmt.Sprintf("full %d from %d", tick, tick-1), "full", hist[tick-1], cur)
		}
		if tick%9 == 0 {
			gap := gaps[(tick/9)%len(gaps)]
			if gap <= tick {
				d.add(fmt.Sprintf("full %d from %d", tick, tick-gap), "full", hist[tick-gap], cur)
			}
		}
	}
	// The same snapshot again (steps 0, nothing changed).
	d.add("full 300 from itself", "full", hist[300], hist[300])
}

// genBigDeltas: a 64x64 board with 200 food (a bin16 food list) and 18
// players, big player ids among them, whose ticks cross 65535.
func genBigDeltas(d *deltaGen) {
	cfg := snake.Config{Width: 64, Height: 64, Food: 200, RespawnTicks: 3, MaxPlayers: 20}
	m := newFixtureMatch(d.t, cfg, 5, 65520)
	for _, p := range []game.PlayerID{7, 130, 1 << 16, 1<<32 - 1} {
		m.join(p, p == 130)
	}
	for p := game.PlayerID(10); p < 24; p++ {
		m.join(p, p%4 == 0)
	}
	prev := m.step()
	first := prev
	for i := 0; i < 30; i++ {
		cur := m.step()
		if i%4 == 0 {
			d.add(fmt.Sprintf("big %d from %d", m.tick, m.tick-1), "full", prev, cur)
		}
		prev = cur
	}
	d.add(fmt.Sprintf("big %d from %d", m.tick, m.tick-30), "full", first, prev)
	// From a view that misses the board to the whole board and back: every
	// player added, then every player gone.
	empty := m.g.AppendView(nil, game.Rect{X: -10, Y: -10, W: 5, H: 5})
	d.add(fmt.Sprintf("big %d from an empty view", m.tick), "mixed", empty, prev)
	d.add(fmt.Sprintf("big %d to an empty view", m.tick), "mixed", prev, empty)
}

// genViewDeltas: a 48x40 room with area of interest; each player gets the
// view of its snake (or the whole board before its first snake), and a
// spectator pans a rect across the board.
func genViewDeltas(d *deltaGen) {
	cfg := snake.Config{Width: 48, Height: 40, Food: 30, RespawnTicks: 4, MaxPlayers: 12, View: 10, ViewMargin: 2, ViewGrid: 4}
	m := newFixtureMatch(d.t, cfg, 23, 100)
	players := []game.PlayerID{1, 2, 3, 4, 5, 6, 140, 1000}
	for i, p := range players[:6] {
		m.join(p, i%3 == 2)
	}
	type sent struct {
		tick uint32
		b    []byte
	}
	hist := map[game.PlayerID][]sent{}
	last := map[game.PlayerID][]byte{} // the last snapshot each player was sent
	watched := map[game.PlayerID]bool{1: true, 3: true, 140: true}
	for round := 0; round < 180; round++ {
		switch round {
		case 20:
			m.join(140, false) // a full snapshot, then its view
		case 60:
			m.join(1000, true)
		case 150:
			m.leave(5)
		}
		full := m.step()
		for _, p := range players {
			r, ok := m.g.View(p)
			var cur []byte
			kind := "full"
			switch {
			case !m.member(p):
				delete(last, p)
				continue
			case ok:
				cur, kind = m.g.AppendView(nil, r), "view"
			default:
				cur = full
			}
			if base := last[p]; base != nil && (watched[p] && (round < 30 || round%5 == 0) || round%10 == 0) {
				if isView(d.t, base) != (kind == "view") {
					kind = "mixed"
				}
				d.add(fmt.Sprintf("player %d at %d from %d", p, m.tick, snapTick(d.t, base)), kind, base, cur)
			}
			h := append(hist[p], sent{m.tick, cur})
			hist[p] = h
			last[p] = cur
			if watched[p] && round%16 == 0 {
				for _, gap := range []int{2, 6, 25} {
					if len(h) > gap {
						b := h[len(h)-1-gap]
						k := "view"
						if isView(d.t, b.b) != ok {
							k = "mixed"
						}
						d.add(fmt.Sprintf("player %d at %d from %d", p, m.tick, b.tick), k, b.b, cur)
					}
				}
			}
		}
		// A spectator's rect pans across the board, a few cells a tick,
		// and now and then leaves it.
		if round%10 == 0 {
			a := game.Rect{X: round % 40, Y: round / 8, W: 12, H: 9}
			b := game.Rect{X: a.X + 3, Y: a.Y + 1, W: 12, H: 9}
			va := m.g.AppendView(nil, a)
			d.add(fmt.Sprintf("spectator rect %v to %v at %d", a, b, m.tick), "view", va, m.g.AppendView(nil, b))
			d.add(fmt.Sprintf("spectator rect %v to the whole board at %d", a, m.tick), "mixed", va, full)
			d.add(fmt.Sprintf("spectator whole board to rect %v at %d", a, m.tick), "mixed", full, va)
		}
		if round == 100 {
			off := game.Rect{X: 60, Y: 60, W: 10, H: 10} // misses the board: [0, 0, 0, 0]
			d.add(fmt.Sprintf("spectator rect off the board at %d", m.tick), "view", full, m.g.AppendView(nil, off))
			d.add(fmt.Sprintf("spectator back from off the board at %d", m.tick), "view", m.g.AppendView(nil, off), m.g.AppendView(nil, game.Rect{W: 16, H: 16}))
		}
	}
}
