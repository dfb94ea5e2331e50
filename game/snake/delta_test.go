package snake_test

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// viewConfigs are small boards with area of interest on, crowded enough
// that deaths, respawns and food churn happen within a few hundred ticks,
// with views small enough that snakes and food keep entering and leaving.
var viewConfigs = []snake.Config{
	{Width: 24, Height: 20, Food: 12, RespawnTicks: 4, MaxPlayers: 12, View: 6, ViewMargin: 1, ViewGrid: 4},
	{Width: 40, Height: 32, Food: 40, RespawnTicks: 3, MaxPlayers: 16, View: 8, ViewGrid: 8},
	{Width: 8, Height: 8, Food: 4, RespawnTicks: 2, MaxPlayers: 8, View: 2, ViewGrid: 2},
	{Width: 64, Height: 64, Food: 200, RespawnTicks: 5, MaxPlayers: 24, View: 16, ViewMargin: 2}, // 400-byte food: bin16
}

// receiver is one connection as the server and client see it: the server
// sends a delta against the last payload it wrote unless the full payload
// is no larger, and drops snapshots at random (one at a time, or in long
// runs) before writing them; the client patches and must end up with the
// server's bytes exactly.
type receiver struct {
	name string
	rnd  *rand.Rand
	have []byte // the client's snapshot: the last payload written
	run  int    // snapshots still to drop in the current run
	// what the connection saw
	fulls, deltas, dropped int
	deltaBytes, fullBytes  int
	far                    int // deltas over 10 or more ticks
	lastTick               uint32
}

func (c *receiver) offer(t *testing.T, tick uint32, payload []byte) {
	t.Helper()
	switch {
	case c.run > 0:
		c.run--
		c.dropped++
		return
	case c.rnd.IntN(40) == 0:
		c.run = 5 + c.rnd.IntN(40)
		c.dropped++
		return
	case c.rnd.IntN(4) == 0:
		c.dropped++
		return
	case c.rnd.IntN(200) == 0:
		c.have = nil // a resume: the server starts over with a full snapshot
	}
	c.fullBytes += len(payload)
	if c.have == nil {
		c.have = bytes.Clone(payload)
		c.fulls++
		c.lastTick = tick
		return
	}
	delta, err := snake.Delta(nil, c.have, payload)
	if err != nil {
		t.Fatalf("%s: tick %d: Delta: %v", c.name, tick, err)
	}
	// The client patches every delta, even one the server would not send
	// for being larger, so that those are checked too.
	got, err := snake.Patch(nil, c.have, delta)
	if err != nil {
		t.Fatalf("%s: tick %d: Patch from tick %d: %v\nbase  % x\ncur   % x\ndelta % x", c.name, tick, c.lastTick, err, c.have, payload, delta)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("%s: tick %d: Patch from tick %d gives\n% x\nwant\n% x\nbase  % x\ndelta % x", c.name, tick, c.lastTick, got, payload, c.have, delta)
	}
	if tick-c.lastTick >= 10 {
		c.far++
	}
	c.lastTick = tick
	if len(delta) >= len(payload) {
		c.fulls++
		c.deltaBytes += len(payload)
	} else {
		c.deltas++
		c.deltaBytes += len(delta)
	}
	c.have = got
}

// TestDeltaDroppedSnapshots is the property the server relies on: under
// any pattern of dropped snapshots, patching the delta against the last
// snapshot a client has gives the server's snapshot byte for byte, for
// full snapshots and for each player's view as it moves.
func TestDeltaDroppedSnapshots(t *testing.T) {
	t.Parallel()
	for ci, cfg := range viewConfigs {
		for seed := range uint64(6) {
			t.Run(fmt.Sprintf("config%d/seed%d", ci, seed), func(t *testing.T) {
				t.Parallel()
				testDroppedSnapshots(t, cfg, seed)
			})
		}
	}
}

func testDroppedSnapshots(t *testing.T, cfg snake.Config, seed uint64) {
	m := newMatch(t, seed, cfg)
	rnd := rand.New(rand.NewPCG(seed, 99))
	full := &receiver{name: "full", rnd: rand.New(rand.NewPCG(seed, 1))}
	views := map[game.PlayerID]*receiver{}
	var done []*receiver // views of players who left
	spectator := &receiver{name: "spectator", rnd: rand.New(rand.NewPCG(seed, 2))}
	var viewMoves, deaths int
	lastRect := map[game.PlayerID]game.Rect{}
	for range 600 {
		m.tick(t)
		for _, e := range m.events {
			if e.Kind == snake.KindDied {
				deaths++
			}
		}
		full.offer(t, m.ticks, m.g.AppendSnapshot(nil))
		// Follow up to 4 players; one that left disconnects, and another
		// takes its place.
		for p := range views {
			if !slices.Contains(m.joined, p) {
				done = append(done, views[p])
				delete(views, p)
			}
		}
		for _, p := range m.joined {
			if _, ok := views[p]; !ok && len(views) < 4 {
				views[p] = &receiver{name: fmt.Sprintf("view of %d", p), rnd: rand.New(rand.NewPCG(seed, uint64(p)+100))}
			}
		}
		for p, c := range views {
			r, ok := m.g.View(p)
			payload := m.g.AppendSnapshot(nil)
			if ok {
				payload = m.g.AppendView(nil, r)
				if last, seen := lastRect[p]; seen && last != r {
					viewMoves++
				}
				lastRect[p] = r
			}
			c.offer(t, m.ticks, payload)
		}
		// A spectator whose rect wanders by a cell or a jump at a time,
		// sometimes off the board.
		r := game.Rect{X: rnd.IntN(cfg.Width+4) - 2, Y: rnd.IntN(cfg.Height+4) - 2, W: 1 + rnd.IntN(cfg.Width), H: 1 + rnd.IntN(cfg.Height)}
		if m.ticks%7 != 0 {
			r = game.Rect{X: int(m.ticks/7) % cfg.Width, Y: 3, W: cfg.Width / 2, H: cfg.Height / 2}
		}
		spectator.offer(t, m.ticks, m.g.AppendView(nil, r))
	}
	// The test must have exercised what it claims to.
	for _, c := range []*receiver{full, spectator} {
		if c.deltas == 0 || c.dropped == 0 || c.far == 0 {
			t.Errorf("%s: %d deltas, %d fulls, %d dropped, %d far deltas: the test did not exercise deltas", c.name, c.deltas, c.fulls, c.dropped, c.far)
		}
	}
	viewDeltas := 0
	for _, c := range append(done, slices.Collect(maps.Values(views))...) {
		viewDeltas += c.deltas
	}
	if deaths == 0 || viewMoves == 0 || viewDeltas < 100 {
		t.Errorf("%d deaths, %d view moves, %d view deltas in the match", deaths, viewMoves, viewDeltas)
	}
	// On a roomy board, most of a snapshot is snakes that only moved; the
	// 8x8 board is all deaths and respawns.
	if cfg.Width >= 24 && full.deltaBytes*2 > full.fullBytes {
		t.Errorf("full snapshots: deltas took %d bytes where snapshots take %d, want less than half", full.deltaBytes, full.fullBytes)
	}
}

// TestDeltaRandomPairs takes deltas between any two snapshots of a match,
// full or view, however far apart, in both directions.
func TestDeltaRandomPairs(t *testing.T) {
	t.Parallel()
	for ci, cfg := range viewConfigs {
		m := newMatch(t, uint64(ci), cfg)
		var snaps [][]byte
		rnd := rand.New(rand.NewPCG(uint64(ci), 5))
		for range 300 {
			m.tick(t)
			snaps = append(snaps, m.g.AppendSnapshot(nil))
			r := game.Rect{X: rnd.IntN(cfg.Width), Y: rnd.IntN(cfg.Height), W: 1 + rnd.IntN(cfg.Width), H: 1 + rnd.IntN(cfg.Height)}
			snaps = append(snaps, m.g.AppendView(nil, r))
			if len(m.joined) > 0 {
				if r, ok := m.g.View(m.joined[rnd.IntN(len(m.joined))]); ok {
					snaps = append(snaps, m.g.AppendView(nil, r))
				}
			}
		}
		for range 3000 {
			base, cur := snaps[rnd.IntN(len(snaps))], snaps[rnd.IntN(len(snaps))]
			checkRoundTrip(t, base, cur)
		}
	}
}

// checkRoundTrip checks Patch(base, Delta(base, cur)) == cur.
func checkRoundTrip(t *testing.T, base, cur []byte) []byte {
	t.Helper()
	delta, err := snake.Delta([]byte("prefix"), base, cur)
	if err != nil {
		t.Fatalf("Delta: %v\nbase % x\ncur  % x", err, base, cur)
	}
	if !bytes.HasPrefix(delta, []byte("prefix")) {
		t.Fatalf("Delta did not append to dst")
	}
	delta = delta[len("prefix"):]
	got, err := snake.Patch([]byte("prefix"), base, delta)
	if err != nil {
		t.Fatalf("Patch: %v\nbase  % x\ncur   % x\ndelta % x", err, base, cur, delta)
	}
	if got = got[len("prefix"):]; !bytes.Equal(got, cur) {
		t.Fatalf("Patch gives\n% x\nwant\n% x\nbase  % x\ndelta % x", got, cur, base, delta)
	}
	return delta
}

func TestTypeHasDeltaAndPatch(t *testing.T) {
	t.Parallel()
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if typ.Delta == nil || typ.Patch == nil {
		t.Fatalf("Type: Delta %v, Patch %v", typ.Delta != nil, typ.Patch != nil)
	}
	g, err := typ.New(game.Setup{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.(game.Viewer); !ok {
		t.Errorf("%T is not a game.Viewer", g)
	}
}

// TestPatchWrongBase: a delta applied to any snapshot but its base fails
// with ErrWrongBase, including one of the same tick.
func TestPatchWrongBase(t *testing.T) {
	t.Parallel()
	cfg := viewConfigs[0]
	m := newMatch(t, 3, cfg)
	for range 40 {
		m.tick(t)
	}
	base := m.g.AppendSnapshot(nil)
	sameTick := m.g.AppendView(nil, game.Rect{X: 0, Y: 0, W: 10, H: 10})
	m.tick(t)
	cur := m.g.AppendSnapshot(nil)
	delta := checkRoundTrip(t, base, cur)
	for name, wrong := range map[string][]byte{
		"later tick":              cur,
		"same tick, another view": sameTick,
	} {
		if _, err := snake.Patch(nil, wrong, delta); !errors.Is(err, snake.ErrWrongBase) {
			t.Errorf("%s: Patch = %v, want ErrWrongBase", name, err)
		}
	}
	// The same snapshot with one food cell moved, tick unchanged.
	tampered := bytes.Clone(base)
	tampered[len(tampered)-1] ^= 1 // the last food cell
	if _, err := snake.DecodeSnapshot(tampered); err != nil {
		t.Fatalf("tampered base must still be a snapshot: %v", err)
	}
	if _, err := snake.Patch(nil, tampered, delta); !errors.Is(err, snake.ErrWrongBase) {
		t.Errorf("tampered base: Patch = %v, want ErrWrongBase", err)
	}
	if _, err := snake.Patch(nil, []byte{0x95}, delta); !errors.Is(err, snake.ErrBadSnapshot) {
		t.Errorf("garbage base: Patch = %v, want ErrBadSnapshot", err)
	}
	if crc32.ChecksumIEEE(base) == crc32.ChecksumIEEE(tampered) {
		t.Fatal("crc collision in the test data")
	}
}
