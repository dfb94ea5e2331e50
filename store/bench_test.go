package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/store"
	"github.com/tickroom/tickroom/store/storetest"
)

// benchBackends opens a fresh store of each backend for a benchmark: a
// SQLite file in b.TempDir() and a database on a PostgreSQL server that
// the benchmark starts.
func benchBackends(b *testing.B, run func(b *testing.B, s store.Store)) {
	b.Run("sqlite", func(b *testing.B) {
		s, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "tickroom.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
	b.Run("postgres", func(b *testing.B) {
		pg := storetest.StartPostgres(b)
		s, err := store.Open(context.Background(), pg.NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
}

func benchPlayers(b *testing.B, s store.Store, n int) []int64 {
	b.Helper()
	ids := make([]int64, n)
	for i := range ids {
		p, err := s.PlayerByKey(context.Background(), store.HashKey(fmt.Append(nil, "bench key ", i)), fmt.Sprint("player ", i))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = p.ID
	}
	return ids
}

// BenchmarkWriterResults is how many results a second the Writer stores
// on each backend: b.N results handed off at once (the queue holds them
// all), timed until Close has written the last. Results are spread over
// 1000 players in 100 rooms, as many rooms at once would hand them off.
func BenchmarkWriterResults(b *testing.B) {
	benchBackends(b, func(b *testing.B, s store.Store) {
		ids := benchPlayers(b, s, 1000)
		b.Run("batch512", func(b *testing.B) {
			w := store.NewWriter(s, store.WriterConfig{Queue: b.N + 1})
			at := time.Now()
			b.ResetTimer()
			for i := range b.N {
				w.Result(store.Result{Game: "snake", Player: ids[i%len(ids)], Room: fmt.Sprint("room", i%100),
					Score: int64(i % 97), Kills: int64(i % 3), Cause: "wall", LifeTicks: 400, At: at})
			}
			if err := w.Close(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if st := w.Stats(); st.Written != int64(b.N) {
				b.Fatalf("%+v: want %d written", st, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "results/s")
		})
	})
}

// BenchmarkLeaderboard is the latency of the leaderboard's queries with a
// million results (10,000 players, their times spread over 30 days) on
// each backend, reported as p50 and p99 in milliseconds. It is not run by
// make test; run it with
//
//	go test -run '^$' -bench Leaderboard ./store/
func BenchmarkLeaderboard(b *testing.B) {
	const players, results, days = 10_000, 1_000_000, 30
	benchBackends(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		ids := benchPlayers(b, s, players)
		now := time.Now()
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Now()
		batch := make([]store.Result, 0, 20_000)
		for i := range results {
			batch = append(batch, store.Result{
				Game: "snake", Player: ids[rng.IntN(players)], Room: fmt.Sprint("room", i%500),
				Score: int64(rng.ExpFloat64() * 40), Kills: int64(rng.IntN(4)), Cause: "wall", LifeTicks: int64(rng.IntN(5000)),
				At: now.Add(-time.Duration(rng.Int64N(int64(days * 24 * time.Hour)))),
			})
			if len(batch) == cap(batch) || i == results-1 {
				if err := s.AddResults(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		b.Logf("%d results of %d players stored in %v", results, players, time.Since(start).Round(time.Millisecond))
		latency := func(b *testing.B, q func() error) {
			ds := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t := time.Now()
				if err := q(); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t))
			}
			slices.Sort(ds)
			ms := func(p float64) float64 {
				return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		}
		for _, period := range []struct {
			name  string
			since time.Duration
		}{{"all", 0}, {"week", 7 * 24 * time.Hour}, {"day", 24 * time.Hour}} {
			since := func() time.Time {
				if period.since == 0 {
					return time.Time{}
				}
				return time.Now().Add(-period.since)
			}
			b.Run("top10-"+period.name, func(b *testing.B) {
				latency(b, func() error {
					board, err := s.Leaderboard(ctx, "snake", since(), 10)
					if err == nil && len(board) != 10 {
						err = fmt.Errorf("%d entries", len(board))
					}
					return err
				})
			})
			b.Run("best-"+period.name, func(b *testing.B) {
				i := 0
				latency(b, func() error {
					i++
					_, err := s.Best(ctx, "snake", ids[(i*7919)%players], since())
					if err != nil && period.name == "all" {
						return err // every player has results of all time
					}
					return nil
				})
			})
		}
		b.Run("player-results", func(b *testing.B) {
			i := 0
			latency(b, func() error {
				i++
				_, err := s.PlayerResults(ctx, ids[(i*7919)%players], "snake", 10)
				return err
			})
		})
	})
}
