package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/store"
	"github.com/tickroom/tickroom/store/storetest"
)

// Every test must leave no goroutine behind: a Writer's goroutine and the
// pools' ones end with Close.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func openT(t *testing.T, dsn string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, string) {
			dsn := "sqlite://" + filepath.Join(t.TempDir(), "tickroom.db")
			return openT(t, dsn), dsn
		},
		// Down: another connection holds the write lock, as another
		// process would; the store's busy timeout is short.
		Outage: func(t *testing.T) (store.Store, func(), func()) {
			path := filepath.Join(t.TempDir(), "tickroom.db")
			s := openT(t, path+"?busy_timeout=50")
			db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			var conn *sql.Conn
			down := func() {
				ctx := context.Background()
				if conn, err = db.Conn(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
					t.Fatal(err)
				}
			}
			up := func() {
				if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
					t.Fatal(err)
				}
				conn.Close()
			}
			return s, down, up
		},
	})
}

func TestPostgres(t *testing.T) {
	pg := storetest.StartPostgres(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) (store.Store, string) {
			dsn := pg.NewDatabase(t)
			return openT(t, dsn), dsn
		},
		// Down: the server itself stops, mid-run, and starts again.
		Outage: func(t *testing.T) (store.Store, func(), func()) {
			s := openT(t, pg.NewDatabase(t))
			down := func() {
				if err := pg.Stop(); err != nil {
					t.Fatal(err)
				}
			}
			up := func() {
				if err := pg.Start(); err != nil {
					t.Fatal(err)
				}
			}
			return s, down, up
		},
	})
}

func TestOpenDSN(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{filepath.Join(dir, "a.db"), "file:" + filepath.Join(dir, "b.db"), "sqlite://" + filepath.Join(dir, "c.db")} {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Errorf("Open(%q): %v", dsn, err)
			continue
		}
		if _, ok := s.(*store.SQLite); !ok {
			t.Errorf("Open(%q) is a %T", dsn, s)
		}
		s.Close()
	}
	for _, dsn := range []string{"", "mysql://x", filepath.Join(dir, "d.db") + "?journal=off", "postgres://u:secret@[::1"} {
		_, err := store.Open(ctx, dsn)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(%q): %v, want ErrInvalid", dsn, err)
		}
		if err != nil && contains(err.Error(), "secret") {
			t.Errorf("Open(%q): the error shows the password: %v", dsn, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// discard is a Store that stores nothing, to measure the hand-off alone.
type discard struct{ store.Store }

func (discard) AddResults(context.Context, []store.Result) error { return nil }
func (discard) AddChat(context.Context, []store.ChatLine) error  { return nil }
func (discard) Ping(context.Context) error                       { return nil }

// BenchmarkWriterHandOff is the cost to a room of handing off one result.
func BenchmarkWriterHandOff(b *testing.B) {
	w := store.NewWriter(discard{}, store.WriterConfig{})
	r := store.Result{Game: "snake", Player: 1, Room: "r1", Score: 10, Cause: "wall", At: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		w.Result(r)
	}
	b.StopTimer()
	w.Close(context.Background())
}

// BenchmarkWriterHandOffParallel is the same from many rooms at once.
func BenchmarkWriterHandOffParallel(b *testing.B) {
	w := store.NewWriter(discard{}, store.WriterConfig{})
	r := store.Result{Game: "snake", Player: 1, Room: "r1", Score: 10, Cause: "wall", At: time.Now()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w.Result(r)
		}
	})
	b.StopTimer()
	w.Close(context.Background())
}
