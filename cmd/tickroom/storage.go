package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/tickroom/tickroom/store"
)

// storeConfig is where tickroom serve and tickroom db keep their data.
type storeConfig struct {
	dataDir  string // "" = defaultDataDir
	database string // a DSN; overrides the data dir's SQLite file
	noStore  bool   // serve only: keep nothing
}

// dbFileName is the SQLite file in the data directory.
const dbFileName = "tickroom.db"

const (
	// storeOpenTimeout bounds opening and migrating the store at start:
	// a database that does not answer stops the start with an error
	// rather than hanging it.
	storeOpenTimeout = 30 * time.Second
	// storeErrorEvery is the least time between two log lines of the
	// Writer's failed writes: a database down for an hour must not
	// flood the log with a line per retry.
	storeErrorEvery = 10 * time.Second
	// lostEvery is how often the count of lost items is looked at, and
	// logged when it grew.
	lostEvery = 10 * time.Second
)

func (c *storeConfig) flags(f *pflag.FlagSet, serve bool) {
	f.StringVar(&c.dataDir, "data-dir", "", "directory of the embedded SQLite database ("+dbFileName+"), created with mode 0700 if missing (default $XDG_DATA_HOME/tickroom, else ~/.local/share/tickroom)")
	f.StringVar(&c.database, "database", "", "database DSN instead of the data dir's SQLite file: postgres://user:pass@host/db (shared by cluster nodes) or a SQLite file path; the password is never logged")
	if serve {
		f.BoolVar(&c.noStore, "no-store", false, "keep nothing: no database, every player a guest, no leaderboards or chat history")
	}
}

// defaultDataDir is $XDG_DATA_HOME/tickroom, else ~/.local/share/tickroom
// (the XDG base directory default). A relative XDG_DATA_HOME is ignored,
// as the specification says.
func defaultDataDir() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "tickroom"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --data-dir and no home directory for the default one: %w", err)
	}
	return filepath.Join(home, ".local", "share", "tickroom"), nil
}

// target is the DSN to open and, when it is the data dir's SQLite file,
// the data directory to create ("" otherwise).
func (c storeConfig) target() (dsn, dir string, err error) {
	if c.database != "" {
		return c.database, "", nil
	}
	dir = c.dataDir
	if dir == "" {
		if dir, err = defaultDataDir(); err != nil {
			return "", "", err
		}
	}
	return filepath.Join(dir, dbFileName), dir, nil
}

// storage is an open store and its Writer, as serve runs them.
type storage struct {
	dsn       string // redacted
	backend   string
	store     store.Store
	writer    *store.Writer
	collector *store.Collector
	log       *slog.Logger

	stop            context.CancelFunc // of the lost-items watch
	wg              sync.WaitGroup
	flushed, closed sync.Once
}

// openStorage creates the data directory if need be, opens the store
// (running its migrations) and starts its Writer. Every error names the
// DSN, its password hidden.
func (c storeConfig) openStorage(ctx context.Context, log *slog.Logger) (*storage, error) {
	dsn, dir, err := c.target()
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create the data directory (--data-dir): %w", err)
		}
	}
	red := store.RedactDSN(dsn)
	octx, cancel := context.WithTimeout(ctx, storeOpenTimeout)
	defer cancel()
	s, err := store.Open(octx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open the store %s: %w (use --no-store to serve without one)", red, err)
	}
	st := &storage{dsn: red, store: s, log: log}
	st.backend = "sqlite"
	if _, ok := s.(*store.Postgres); ok {
		st.backend = "postgres"
	}
	el := &errorLog{log: log, every: storeErrorEvery}
	st.writer = store.NewWriter(s, store.WriterConfig{OnError: el.report})
	st.collector = store.NewCollector(st.writer, s)
	wctx, stop := context.WithCancel(context.Background())
	st.stop = stop
	st.wg.Go(func() { st.watchLost(wctx) })
	return st, nil
}

// watchLost logs, at most every lostEvery, how many items were lost since
// the last look: a hand-off to a full queue is counted, never blocks, and
// must still reach an operator's eyes.
func (st *storage) watchLost(ctx context.Context) {
	t := time.NewTicker(lostEvery)
	defer t.Stop()
	var seen int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := st.writer.Stats()
		if s.Lost > seen {
			st.log.Warn("store: results, chat or matches lost: the write queue was full (database slow or down)",
				"lost", s.Lost-seen, "lost_total", s.Lost, "queued", s.Queued,
				"results_lost", s.Result.Lost, "chat_lost", s.Chat.Lost, "matches_lost", s.Match.Lost)
			seen = s.Lost
		}
	}
}

// flush stops the Writer, writing what is queued within ctx and logging
// what was lost if it gave up. Only the first call does anything.
func (st *storage) flush(ctx context.Context) {
	st.flushed.Do(func() {
		st.stop()
		st.wg.Wait()
		start := time.Now()
		before := st.writer.Stats()
		if err := st.writer.Close(ctx); err != nil {
			s := st.writer.Stats()
			st.log.Error("store: the write queue was not flushed in time; the rest is lost",
				"lost", s.Lost-before.Lost, "err", err)
		} else if s := st.writer.Stats(); s.Written > before.Written {
			st.log.Info("store: write queue flushed", "written", s.Written-before.Written, "took", time.Since(start).Round(time.Millisecond))
		}
	})
}

// close flushes the Writer within ctx if that is not done yet, then
// closes the store.
func (st *storage) close(ctx context.Context) {
	st.flush(ctx)
	st.closed.Do(func() {
		if err := st.store.Close(); err != nil {
			st.log.Warn("store: close", "err", err)
		}
	})
}

// errorLog logs the Writer's failed writes, at most one line per every
// with the count of those it kept quiet about. It is called from the
// Writer's goroutine and never blocks for long.
type errorLog struct {
	log   *slog.Logger
	every time.Duration

	mu     sync.Mutex
	last   time.Time
	hidden int
}

func (e *errorLog) report(err error) {
	e.mu.Lock()
	now := time.Now()
	if !e.last.IsZero() && now.Sub(e.last) < e.every {
		e.hidden++
		e.mu.Unlock()
		return
	}
	hidden := e.hidden
	e.last, e.hidden = now, 0
	e.mu.Unlock()
	msg := "store: write failed; retrying with backoff"
	if errors.Is(err, store.ErrInvalid) {
		msg = "store: write refused by the database; the batch is dropped"
	}
	e.log.Error(msg, "err", err, "errors_not_logged", hidden)
}
