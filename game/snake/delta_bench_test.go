package snake_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// bigView is the big scenario with area of interest: a 48-cell viewport
// with 8 cells of margin, on the default 16-cell grid.
func bigView() snake.Config {
	c := scenarios[1].cfg
	c.View, c.ViewMargin = 48, 8
	return c
}

// recorded is a scenario played by the benchmark bots: every tick's full
// snapshot and each player's view snapshot (View, else the full one).
type recorded struct {
	full  [][]byte
	views [][][]byte // [tick][player]
}

func record(b *testing.B, cfg snake.Config, players, ticks int, views bool) *recorded {
	b.Helper()
	g, bt, last := warmGame(b, cfg, players)
	rec := &recorded{}
	for tick := last + 1; tick <= last+uint32(ticks); tick++ {
		bt.play(g, players)
		g.Step(tick)
		rec.full = append(rec.full, g.AppendSnapshot(nil))
		if !views {
			continue
		}
		row := make([][]byte, players)
		for p := range row {
			if r, ok := g.View(game.PlayerID(p + 1)); ok {
				row[p] = g.AppendView(nil, r)
			} else {
				row[p] = rec.full[len(rec.full)-1]
			}
		}
		rec.views = append(rec.views, row)
	}
	return rec
}

// BenchmarkDelta measures Delta on full snapshots against the snapshot 1
// and 5 ticks back, and reports the sizes: full-B is the snapshot,
// delta-B the delta, per op.
func BenchmarkDelta(b *testing.B) {
	for _, sc := range scenarios {
		rec := record(b, sc.cfg, sc.players, 100, false)
		for _, k := range []int{1, 5} {
			b.Run(fmt.Sprintf("%s/base-%d", sc.name, k), func(b *testing.B) {
				buf := make([]byte, 0, 64<<10)
				var full, delta, n int
				b.ReportAllocs()
				for b.Loop() {
					i := k + n%(len(rec.full)-k)
					var err error
					if buf, err = snake.Delta(buf[:0], rec.full[i-k], rec.full[i]); err != nil {
						b.Fatal(err)
					}
					full += len(rec.full[i])
					delta += len(buf)
					n++
				}
				b.ReportMetric(float64(full)/float64(n), "full-B")
				b.ReportMetric(float64(delta)/float64(n), "delta-B")
			})
		}
	}
}

// BenchmarkPatch measures a client applying those deltas.
func BenchmarkPatch(b *testing.B) {
	for _, sc := range scenarios {
		rec := record(b, sc.cfg, sc.players, 100, false)
		for _, k := range []int{1, 5} {
			b.Run(fmt.Sprintf("%s/base-%d", sc.name, k), func(b *testing.B) {
				deltas := make([][]byte, len(rec.full))
				for i := k; i < len(rec.full); i++ {
					var err error
					if deltas[i], err = snake.Delta(nil, rec.full[i-k], rec.full[i]); err != nil {
						b.Fatal(err)
					}
				}
				buf := make([]byte, 0, 64<<10)
				n := 0
				b.ReportAllocs()
				for b.Loop() {
					i := k + n%(len(rec.full)-k)
					var err error
					if buf, err = snake.Patch(buf[:0], rec.full[i-k], deltas[i]); err != nil {
						b.Fatal(err)
					}
					n++
				}
			})
		}
	}
}

// BenchmarkView is the big scenario with area of interest on.
//
// "encode" is a room's work per tick: View for each of the 200 players and
// AppendView once per distinct rect; it reports the distinct views per
// tick and the mean view snapshot per player (view-B) against the full
// snapshot (full-B).
//
// "delta/base-k" is Delta between a player's view k ticks apart (its view
// may have moved in between), per player and tick: view-delta-B is the
// delta, what a connection sends.
func BenchmarkView(b *testing.B) {
	const players = 200
	cfg := bigView()
	b.Run("big/encode", func(b *testing.B) {
		g, bt, tick := warmGame(b, cfg, players)
		buf := make([]byte, 0, 64<<10)
		rects := make([]game.Rect, 0, players)
		sizes := make([]int, 0, players)
		var distinct, bytesPerPlayer, full, ticks int
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			tick++
			bt.play(g, players)
			g.Step(tick)
			fullLen := len(g.AppendSnapshot(buf[:0]))
			full += fullLen
			b.StartTimer()
			rects, sizes = rects[:0], sizes[:0]
			for p := range game.PlayerID(players) {
				r, ok := g.View(p + 1)
				if !ok {
					bytesPerPlayer += fullLen
					continue
				}
				i := slices.Index(rects, r)
				if i < 0 {
					buf = g.AppendView(buf[:0], r)
					i = len(rects)
					rects, sizes = append(rects, r), append(sizes, len(buf))
				}
				bytesPerPlayer += sizes[i]
			}
			distinct += len(rects)
			ticks++
		}
		b.ReportMetric(float64(distinct)/float64(ticks), "views/tick")
		b.ReportMetric(float64(bytesPerPlayer)/float64(ticks*players), "view-B")
		b.ReportMetric(float64(full)/float64(ticks), "full-B")
	})
	rec := record(b, cfg, players, 60, true)
	for _, k := range []int{1, 5} {
		b.Run(fmt.Sprintf("big/delta/base-%d", k), func(b *testing.B) {
			buf := make([]byte, 0, 64<<10)
			var view, delta, n int
			b.ReportAllocs()
			for b.Loop() {
				i := k + (n/players)%(len(rec.views)-k)
				p := n % players
				base, cur := rec.views[i-k][p], rec.views[i][p]
				var err error
				if buf, err = snake.Delta(buf[:0], base, cur); err != nil {
					b.Fatal(err)
				}
				view += len(cur)
				delta += min(len(buf), len(cur)) // the server sends the smaller
				n++
			}
			b.ReportMetric(float64(view)/float64(n), "view-B")
			b.ReportMetric(float64(delta)/float64(n), "view-delta-B")
		})
	}
}
