package bot

import (
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/netcode"
)

// Related benchmarks live with the code they measure: the room tick
// (lobby BenchmarkRoomTick), publishing to 100 and 1,000 connections
// (lobby BenchmarkPublish), the snapshot encode (game/snake BenchmarkStep),
// its decode alone (game/snake and netcode BenchmarkDecodeSnapshot), the
// per-recipient header (netcode BenchmarkAppendSnapshotHeader) and the
// reliable enqueue (netcode BenchmarkReliablePush).

// frames plays a game of n bots for warm ticks, then records the snapshot
// frames (as the server writes them) of the next count ticks.
func frames(tb testing.TB, cfg snake.Config, n, warm, count int) [][]byte {
	tb.Helper()
	g, err := snake.New(cfg, game.Setup{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	pols := make([]*Policy, n)
	for p := range n {
		if err := g.Join(game.PlayerID(p+1), "bot"); err != nil {
			tb.Fatal(err)
		}
		pols[p] = NewPolicy(uint64(p))
	}
	var s snake.Snapshot
	var board snake.Board
	var out [][]byte
	for tick := uint32(1); tick <= uint32(warm+count); tick++ {
		g.Step(tick)
		payload := g.AppendSnapshot(nil)
		if int(tick) > warm {
			out = append(out, netcode.AppendSnapshot(nil, tick, 0, tick, payload))
		}
		if err := s.Decode(payload); err != nil {
			tb.Fatal(err)
		}
		if err := board.Load(&s); err != nil {
			tb.Fatal(err)
		}
		w := int(s.Width)
		for i := range s.Snakes {
			sn := &s.Snakes[i]
			if sn.Status != snake.Alive {
				continue
			}
			if d, turn := pols[sn.Player-1].Decide(int(sn.Head)%w, int(sn.Head)/w, sn.Dir, &board); turn {
				g.Input(sn.Player, snake.EncodeTurn(d))
			}
		}
	}
	return out
}

// BenchmarkDecide is a bot's work per received snapshot: decode the
// message and the snapshot, find its snake, draw, and look ahead (loading
// the board) when it turns. One op is one snapshot.
func BenchmarkDecide(b *testing.B) {
	for _, sc := range []struct {
		name    string
		cfg     snake.Config
		players int
	}{
		{"arena", snake.DefaultConfig(), 8},
		{"big", snake.Config{Width: 256, Height: 256, Food: 400, RespawnTicks: 20, MaxPlayers: 200}, 200},
	} {
		b.Run(sc.name, func(b *testing.B) {
			fs := frames(b, sc.cfg, sc.players, 200, 100)
			bt := New(Config{Seed: 1})
			bt.player = game.PlayerID(sc.players / 2)
			dec := netcode.NewDecoder()
			turns, size := 0, 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				f := fs[i%len(fs)]
				i++
				m, err := dec.Decode(f)
				if err != nil {
					b.Fatal(err)
				}
				_, turn, err := bt.decide(m.Tick, m.Payload)
				if err != nil {
					b.Fatal(err)
				}
				if turn {
					turns++
				}
				size += len(f)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/snapshot")
			b.ReportMetric(float64(size)/float64(b.N), "bytes/frame")
			b.ReportMetric(float64(turns)/float64(b.N), "turns/snapshot")
		})
	}
}

func TestDecideOnRecordedGame(t *testing.T) {
	fs := frames(t, snake.DefaultConfig(), 8, 50, 200)
	bt := New(Config{Seed: 1})
	bt.player = 3
	dec := netcode.NewDecoder()
	turns := 0
	for _, f := range fs {
		m, err := dec.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		d, turn, err := bt.decide(m.Tick, m.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if turn {
			turns++
			sn := bt.own(&bt.snap)
			if d == sn.Dir || d == sn.Dir.Reverse() {
				t.Fatalf("turned %v from %v", d, sn.Dir)
			}
		}
	}
	if turns == 0 {
		t.Errorf("no turn in %d snapshots", len(fs))
	}
	if allocs := testing.AllocsPerRun(100, func() {
		m, _ := dec.Decode(fs[7])
		bt.decide(m.Tick, m.Payload)
	}); allocs != 0 {
		t.Errorf("decide allocates %.1f times per snapshot once warm, want 0", allocs)
	}
}

// TestSharedStatesDecideAsPrivate: bots that share their room's decoded
// states decide exactly as bots that decode for themselves.
func TestSharedStatesDecideAsPrivate(t *testing.T) {
	fs := frames(t, snake.DefaultConfig(), 8, 50, 200)
	states := NewStates()
	dec := netcode.NewDecoder()
	var private, shared [8]*Bot
	for i := range private {
		private[i] = New(Config{Seed: uint64(i + 1)})
		shared[i] = New(Config{Seed: uint64(i + 1), States: states})
		private[i].player, shared[i].player = game.PlayerID(i+1), game.PlayerID(i+1)
		shared[i].shared = states.room("r")
	}
	turns := 0
	for _, f := range fs {
		m, err := dec.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := range private {
			d1, t1, err1 := private[i].decide(m.Tick, m.Payload)
			d2, t2, err2 := shared[i].decide(m.Tick, m.Payload)
			if d1 != d2 || t1 != t2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("tick %d, bot %d: private %v %v %v, shared %v %v %v", m.Tick, i+1, d1, t1, err1, d2, t2, err2)
			}
			if t1 {
				turns++
			}
		}
	}
	if turns == 0 {
		t.Fatal("no bot turned: the comparison proves nothing")
	}
}
