package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tickroom/tickroom/store"
)

// TestSQLiteFaults: a database that fills up or turns read-only under a
// Writer. The Writer keeps what it accepted and retries, hand-offs never
// block, the error is told (OnError, and the health the admin view and
// /metrics show), and when the fault goes away everything accepted is
// written: nothing is counted as failed or lost.
func TestSQLiteFaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fault, fix func(t *testing.T, s store.Store) string
		want       string // in the error
	}{
		{
			name: "DiskFull",
			// The file may not grow by a page: SQLITE_FULL, as on a full
			// disk.
			fault: func(t *testing.T, s store.Store) string {
				return "PRAGMA max_page_count = " + fmt.Sprint(pageCount(t, s))
			},
			fix:  func(*testing.T, store.Store) string { return "PRAGMA max_page_count = 1073741823" },
			want: "full",
		},
		{
			// Root writes through chmod, as CI runs: the connection is
			// made read-only instead, which SQLite answers as it does a
			// read-only file (SQLITE_READONLY).
			name:  "ReadOnly",
			fault: func(*testing.T, store.Store) string { return "PRAGMA query_only = 1" },
			fix:   func(*testing.T, store.Store) string { return "PRAGMA query_only = 0" },
			want:  "readonly",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			s := openT(t, filepath.Join(t.TempDir(), "tickroom.db"))
			defer s.Close()
			var ps []store.Player
			for i := range 20 {
				p, err := s.PlayerByKey(ctx, store.HashKey(fmt.Append(nil, "key ", i)), fmt.Sprint("p", i))
				if err != nil {
					t.Fatal(err)
				}
				ps = append(ps, p)
			}
			var mu sync.Mutex
			var seen []error
			w := store.NewWriter(s, store.WriterConfig{Batch: 64, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
				OnError: func(err error) { mu.Lock(); seen = append(seen, err); mu.Unlock() }})
			c := store.NewCollector(w, s)
			if err := store.WriterExec(ctx, s, tc.fault(t, s)); err != nil {
				t.Fatal(err)
			}
			// Enough to need new pages: 2000 results and chat lines.
			long := strings.Repeat("x", store.MaxChatRunes)
			at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			start := time.Now()
			for i := range 1000 {
				p := ps[i%len(ps)]
				if !w.Result(store.Result{Game: "snake", Player: p.ID, Room: "r", Score: int64(i), Cause: "wall", At: at}) ||
					!w.Chat(store.ChatLine{Room: "r", Player: p.ID, Name: p.Name, Text: long, At: at}) {
					t.Fatalf("hand-off %d refused during the fault", i)
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("2000 hand-offs took %v during the fault: they must not wait on the database", d)
			}
			deadline := time.Now().Add(20 * time.Second)
			for w.Stats().Retries < 5 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			st := w.Stats()
			if st.Retries < 5 || st.Failed != 0 || st.Lost != 0 || st.Queued == 0 {
				t.Fatalf("stats during the fault: %+v; want retries, nothing failed or lost, items queued", st)
			}
			mu.Lock()
			first := seen[0]
			mu.Unlock()
			if !errors.Is(first, store.ErrUnavailable) || !strings.Contains(first.Error(), tc.want) {
				t.Errorf("the Writer was told %v; want an ErrUnavailable saying %q", first, tc.want)
			}
			if h := c.Health(ctx); h.Up || !strings.Contains(h.Error, tc.want) {
				t.Errorf("health during the fault: up %v, error %q; want down, saying %q", h.Up, h.Error, tc.want)
			}

			if err := store.WriterExec(ctx, s, tc.fix(t, s)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if st := w.Stats(); st.Written != 2000 || st.Failed != 0 || st.Lost != 0 {
				t.Errorf("stats after the fault: %+v; want all 2000 written", st)
			}
			if lines, err := s.RecentChat(ctx, "r", store.MaxLimit); err != nil || len(lines) != store.MaxLimit {
				t.Errorf("%d chat lines read back, %v", len(lines), err)
			}
			for _, p := range ps[:3] {
				if rs, err := s.PlayerResults(ctx, p.ID, "snake", 100); err != nil || len(rs) != 1000/len(ps) {
					t.Errorf("player %d: %d results, %v; want %d", p.ID, len(rs), err, 1000/len(ps))
				}
			}
			// A new collector: the old one keeps its check for 5 s.
			if h := store.NewCollector(w, s).Health(ctx); !h.Up {
				t.Errorf("health after the fault: %+v", h)
			}
		})
	}
}

func pageCount(t *testing.T, s store.Store) int {
	t.Helper()
	// The readers see the same file: its size in pages now.
	n, err := store.PageCount(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
