package snake_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

// match drives a game with random joins, leaves and inputs (good and bad)
// drawn from its own seeded generator, so a seed names a whole match.
type match struct {
	g      *snake.Game
	cfg    snake.Config
	rnd    *rand.Rand
	next   game.PlayerID
	joined []game.PlayerID
	ticks  uint32
	events []game.Event
	// check runs every invariant after each tick; off for timing runs.
	check bool
}

func newMatch(t testing.TB, seed uint64, cfg snake.Config) *match {
	t.Helper()
	g, err := snake.New(cfg, game.Setup{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &match{g: g, cfg: cfg, rnd: rand.New(rand.NewPCG(seed, 42)), next: 1, check: true}
}

func (m *match) tick(t testing.TB) {
	t.Helper()
	if err := m.step(); err != nil {
		t.Fatalf("seed match, tick %d: %v", m.ticks, err)
	}
}

// step makes this tick's calls, steps, and checks the result.
func (m *match) step() error {
	r := m.rnd
	if r.IntN(10) == 0 {
		err := m.g.Join(m.next, "p")
		switch {
		case len(m.joined) < m.cfg.MaxPlayers && err != nil:
			return fmt.Errorf("join %d: %w", m.next, err)
		case len(m.joined) >= m.cfg.MaxPlayers && !errors.Is(err, game.ErrRejected):
			return fmt.Errorf("join %d to a full room = %v, want ErrRejected", m.next, err)
		case err == nil:
			m.joined = append(m.joined, m.next)
		}
		m.next++
	}
	if len(m.joined) > 0 && r.IntN(40) == 0 {
		i := r.IntN(len(m.joined))
		m.g.Leave(m.joined[i])
		m.joined = slices.Delete(m.joined, i, i+1)
	}
	for _, p := range m.joined {
		switch n := r.IntN(20); {
		case n < 5:
			if err := m.g.Input(p, snake.EncodeTurn(snake.Direction(r.IntN(4)))); err != nil {
				return fmt.Errorf("input: %w", err)
			}
		case n == 5: // a burst that overflows the queue
			for range 6 {
				if err := m.g.Input(p, snake.EncodeTurn(snake.Direction(r.IntN(4)))); err != nil {
					return fmt.Errorf("input: %w", err)
				}
			}
		case n == 6:
			bad := []byte{byte(4 + r.IntN(200))}
			if err := m.g.Input(p, bad); !errors.Is(err, game.ErrBadInput) {
				return fmt.Errorf("input % x = %v, want ErrBadInput", bad, err)
			}
		}
	}
	m.ticks++
	m.events = m.g.Step(m.ticks)
	if !m.check {
		return nil
	}
	return m.verify()
}

// verify checks the invariants of a finished tick, mostly through the
// snapshot, as a client would see it.
func (m *match) verify() error {
	g := m.g
	if err := snake.CheckInvariants(g); err != nil {
		return err
	}
	if a, b := g.StateHash(), g.StateHash(); a != b {
		return fmt.Errorf("StateHash not stable: %x then %x", a, b)
	}
	b := g.AppendSnapshot(nil)
	s, err := snake.DecodeSnapshot(b)
	if err != nil {
		return err
	}
	var again bytes.Buffer
	enc := msgpack.NewEncoder(&again)
	enc.UseCompactInts(true)
	if err := enc.Encode(s); err != nil {
		return err
	}
	if !bytes.Equal(again.Bytes(), b) {
		return fmt.Errorf("snapshot does not round-trip:\n% x\n% x", b, again.Bytes())
	}
	if s.Tick != m.ticks {
		return fmt.Errorf("snapshot tick %d, want %d", s.Tick, m.ticks)
	}
	var players []game.PlayerID
	covered := map[uint16]game.PlayerID{}
	for i := range s.Snakes {
		sn := &s.Snakes[i]
		players = append(players, sn.Player)
		cells, err := s.AppendCells(nil, sn)
		if err != nil {
			return err
		}
		for _, c := range cells {
			if other, ok := covered[c]; ok {
				return fmt.Errorf("cell %d covered by players %d and %d", c, other, sn.Player)
			}
			covered[c] = sn.Player
		}
		if sn.Status == snake.Alive {
			pending := uint32(0)
			if grow, _ := snake.Pending(g, sn.Player); grow {
				pending = 1
			}
			if sn.Len != 3+sn.Score-pending {
				return fmt.Errorf("player %d: length %d, score %d, pending growth %d", sn.Player, sn.Len, sn.Score, pending)
			}
		}
		if sn.Best < sn.Score {
			return fmt.Errorf("player %d: best %d < score %d", sn.Player, sn.Best, sn.Score)
		}
	}
	if !slices.Equal(players, m.joined) {
		return fmt.Errorf("snapshot players %v, joined %v", players, m.joined)
	}
	for _, c := range s.AppendFood(nil) {
		if p, ok := covered[c]; ok {
			return fmt.Errorf("food %d under player %d", c, p)
		}
	}
	anyDied := false
	for _, e := range m.events {
		switch d := e.Data.(type) {
		case snake.Died:
			anyDied = true
			sn := findSnake(s, d.Victim)
			if sn == nil || sn.Status != snake.Dead || int(sn.RespawnIn) != m.cfg.RespawnTicks {
				return fmt.Errorf("died %+v, but snapshot has %+v", d, sn)
			}
		case snake.Spawned:
			if sn := findSnake(s, d.Player); sn == nil || sn.Status != snake.Alive || sn.Len != 3 || sn.Score != 0 {
				return fmt.Errorf("spawned %+v, but snapshot has %+v", d, sn)
			}
		case snake.Respawned:
			if sn := findSnake(s, d.Player); sn == nil || sn.Status != snake.Alive || sn.Len != 3 || sn.Score != 0 {
				return fmt.Errorf("respawned %+v, but snapshot has %+v", d, sn)
			}
		default:
			return fmt.Errorf("unexpected event %v", e)
		}
	}
	food := s.FoodCount()
	switch free := snake.FreeCells(g); {
	case food > m.cfg.Food:
		return fmt.Errorf("%d food, more than %d", food, m.cfg.Food)
	case food < m.cfg.Food && !anyDied && free > 0:
		// Cells free up between step 5 and the end of the tick only when
		// snakes die, so a short count must mean the board was full.
		return fmt.Errorf("%d food of %d with %d free cells", food, m.cfg.Food, free)
	}
	return nil
}

func findSnake(s *snake.Snapshot, p game.PlayerID) *snake.Snake {
	for i := range s.Snakes {
		if s.Snakes[i].Player == p {
			return &s.Snakes[i]
		}
	}
	return nil
}

var matchConfigs = []snake.Config{
	{Width: 8, Height: 8, Food: 4, RespawnTicks: 2, MaxPlayers: 10},   // crowded: waits, head-ons
	{Width: 10, Height: 10, Food: 30, RespawnTicks: 1, MaxPlayers: 4}, // dense food
	{Width: 16, Height: 9, Food: 6, RespawnTicks: 3, MaxPlayers: 8},
	{Width: 32, Height: 32, Food: 16, RespawnTicks: 5, MaxPlayers: 16},
}

func TestRandomMatches(t *testing.T) {
	t.Parallel()
	for ci, cfg := range matchConfigs {
		for seed := range uint64(8) {
			t.Run(fmt.Sprintf("config%d/seed%d", ci, seed), func(t *testing.T) {
				t.Parallel()
				m := newMatch(t, seed, cfg)
				var deaths, spawns int
				for range 400 {
					m.tick(t)
					for _, e := range m.events {
						if e.Kind == snake.KindDied {
							deaths++
						} else {
							spawns++
						}
					}
				}
				if deaths == 0 || spawns == 0 {
					t.Errorf("%d deaths, %d spawns in 400 ticks: the match did not exercise the rules", deaths, spawns)
				}
			})
		}
	}
}

// FuzzStep reads a match script from the fuzzer's bytes: a config, then
// one operation per byte (join, leave, turn, bad input, step).
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 0, 3, 1, 0, 0, 0, 7, 7, 7, 2, 1, 7, 7, 3, 1, 7})
	f.Add(bytes.Repeat([]byte{0, 2, 1, 3, 2, 4, 7, 7, 5, 1, 7}, 30))
	f.Add([]byte("join, leave and step, a long string of operations to chew on 0123456789"))
	f.Fuzz(fuzzStep)
}

// fuzzStep is FuzzStep's body; see there.
func fuzzStep(t *testing.T, script []byte) {
	// Long scripts add steps, not new behaviour, and would slow the
	// fuzzer to a crawl.
	if len(script) < 4 || len(script) > 2048 {
		return
	}
	cfg := snake.Config{
		Width:        8 + int(script[0]%9),
		Height:       8 + int(script[1]%9),
		Food:         int(script[2] % 12),
		RespawnTicks: 1 + int(script[3]%4),
		MaxPlayers:   6,
	}
	g, err := snake.New(cfg, game.Setup{Seed: uint64(len(script))})
	if err != nil {
		t.Fatal(err)
	}
	m := &match{g: g, cfg: cfg, next: 1, check: true}
	ops := script[4:]
	for i := 0; i < len(ops); i++ {
		arg := func() int {
			if i+1 < len(ops) {
				i++
				return int(ops[i])
			}
			return 0
		}
		switch op := ops[i] % 8; op {
		case 0:
			if g.Join(m.next, "f") == nil {
				m.joined = append(m.joined, m.next)
			}
			m.next++
		case 1:
			if len(m.joined) > 0 {
				j := arg() % len(m.joined)
				g.Leave(m.joined[j])
				m.joined = slices.Delete(m.joined, j, j+1)
			}
		case 2, 3, 4, 5:
			if len(m.joined) > 0 {
				p := m.joined[arg()%len(m.joined)]
				if err := g.Input(p, snake.EncodeTurn(snake.Direction(op-2))); err != nil {
					t.Fatal(err)
				}
			}
		case 6:
			if len(m.joined) > 0 {
				p := m.joined[arg()%len(m.joined)]
				if err := g.Input(p, ops[i:min(i+3, len(ops))]); err == nil {
					if _, derr := snake.DecodeTurn(ops[i:min(i+3, len(ops))]); derr != nil {
						t.Fatalf("Input accepted what DecodeTurn rejects: %v", derr)
					}
				}
			}
		case 7:
			m.ticks++
			m.events = g.Step(m.ticks)
			if err := m.verify(); err != nil {
				t.Fatalf("tick %d: %v", m.ticks, err)
			}
		}
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	m := newMatch(f, 5, matchConfigs[2])
	for range 60 {
		m.tick(f)
		if m.ticks%10 == 0 {
			f.Add(m.g.AppendSnapshot(nil))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := snake.DecodeSnapshot(b)
		if err != nil {
			if !errors.Is(err, snake.ErrBadSnapshot) {
				t.Fatalf("error %v does not wrap ErrBadSnapshot", err)
			}
			return
		}
		var board snake.Board
		if err := board.Load(s); err != nil {
			t.Fatalf("Load of a valid snapshot: %v", err)
		}
		if s.View != nil {
			// The library maps only the five elements of a full snapshot
			// (as documented): compare those.
			var parts []msgpack.RawMessage
			if err := msgpack.Unmarshal(b, &parts); err != nil || len(parts) != 6 {
				t.Fatalf("library on a view snapshot: %d parts, %v", len(parts), err)
			}
			var err error
			if b, err = msgpack.Marshal(parts[:5]); err != nil {
				t.Fatal(err)
			}
			s.View = nil
		}
		var lib snake.Snapshot
		if err := msgpack.Unmarshal(b, &lib); err != nil {
			t.Fatalf("we accept what the library rejects: %v", err)
		}
		if !reflect.DeepEqual(s, &lib) {
			t.Fatalf("ours %+v, library %+v", s, lib)
		}
	})
}
