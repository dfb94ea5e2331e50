package snake_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// scenarios are the benchmark scenarios of docs/snake.md.
var scenarios = []struct {
	name    string
	cfg     snake.Config
	players int
}{
	{"arena", snake.DefaultConfig(), 8},
	{"big", snake.Config{Width: 256, Height: 256, Food: 400, RespawnTicks: 20, MaxPlayers: 200}, 200},
}

// bots plays the benchmark bot policy: turn left or right with probability
// 0.1, otherwise straight, preferring a direction whose next cell is free;
// send an input only when turning.
type bots struct {
	rnd     *rand.Rand
	payload [4][]byte
}

func newBots(seed uint64) *bots {
	b := &bots{rnd: rand.New(rand.NewPCG(seed, 7))}
	for d := range b.payload {
		b.payload[d] = snake.EncodeTurn(snake.Direction(d))
	}
	return b
}

func (b *bots) play(g *snake.Game, players int) {
	for p := range game.PlayerID(players) {
		x, y, d, alive := snake.Look(g, p+1)
		if !alive {
			continue
		}
		want := d
		if b.rnd.Float64() < 0.1 {
			want = d.TurnLeft()
			if b.rnd.IntN(2) == 0 {
				want = d.TurnRight()
			}
		}
		for _, c := range [4]snake.Direction{want, d, d.TurnLeft(), d.TurnRight()} {
			dx, dy := c.Delta()
			if snake.FreeAt(g, x+dx, y+dy) {
				want = c
				break
			}
		}
		if want != d {
			_ = g.Input(p+1, b.payload[want])
		}
	}
}

// warmGame is a game of players bots that has run warmupTicks ticks, so
// that snakes have spawned and grown, with the bots that played it.
func warmGame(b *testing.B, cfg snake.Config, players int) (*snake.Game, *bots, uint32) {
	b.Helper()
	g, err := snake.New(cfg, game.Setup{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for p := range game.PlayerID(players) {
		if err := g.Join(p+1, "bot"); err != nil {
			b.Fatal(err)
		}
	}
	bt := newBots(1)
	tick := uint32(0)
	for range warmupTicks {
		tick++
		bt.play(g, players)
		g.Step(tick)
	}
	return g, bt, tick
}

const warmupTicks = 200

// BenchmarkStep measures one room tick: the bots' inputs, Step and the
// snapshot encoding. One op is one tick, so allocs/op is allocs per step.
func BenchmarkStep(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			g, bt, tick := warmGame(b, sc.cfg, sc.players)
			buf := make([]byte, 0, 64<<10)
			total := 0
			b.ReportAllocs()
			for b.Loop() {
				tick++
				bt.play(g, sc.players)
				g.Step(tick)
				buf = g.AppendSnapshot(buf[:0])
				total += len(buf)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/step")
			b.ReportMetric(float64(total)/float64(b.N), "bytes/snapshot")
		})
	}
}

func BenchmarkStateHash(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			g, _, _ := warmGame(b, sc.cfg, sc.players)
			b.ReportAllocs()
			for b.Loop() {
				g.StateHash()
			}
		})
	}
}

// BenchmarkDecodeSnapshot is a bot's cost per received snapshot.
func BenchmarkDecodeSnapshot(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			g, _, _ := warmGame(b, sc.cfg, sc.players)
			buf := g.AppendSnapshot(nil)
			var s snake.Snapshot
			var board snake.Board
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if err := s.Decode(buf); err != nil {
					b.Fatal(err)
				}
				if err := board.Load(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
