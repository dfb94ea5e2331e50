package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tickroom/tickroom/store"
	"github.com/tickroom/tickroom/store/storetest"
)

// backend is how the migration tests reach a database behind the store's
// back: to break a schema as an operator's hand or an older binary would.
type backend struct {
	newDSN func(t *testing.T) string
	exec   func(t *testing.T, dsn, query string)
	// table tells whether the database has a table of that name.
	table func(t *testing.T, dsn, name string) bool
}

func sqliteBackend() backend {
	raw := func(t *testing.T, dsn string) *sql.DB {
		db, err := sql.Open("sqlite", strings.TrimPrefix(dsn, "sqlite://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return backend{
		newDSN: func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "tickroom.db") },
		exec: func(t *testing.T, dsn, query string) {
			t.Helper()
			if _, err := raw(t, dsn).Exec(query); err != nil {
				t.Fatal(err)
			}
		},
		table: func(t *testing.T, dsn, name string) bool {
			t.Helper()
			var n int
			if err := raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 1
		},
	}
}

func postgresBackend(pg *storetest.Postgres) backend {
	conn := func(t *testing.T, dsn string) *pgx.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	return backend{
		newDSN: func(t *testing.T) string { return pg.NewDatabase(t) },
		exec: func(t *testing.T, dsn, query string) {
			t.Helper()
			if _, err := conn(t, dsn).Exec(context.Background(), query); err != nil {
				t.Fatal(err)
			}
		},
		table: func(t *testing.T, dsn, name string) bool {
			t.Helper()
			var ok bool
			if err := conn(t, dsn).QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
				t.Fatal(err)
			}
			return ok
		},
	}
}

func TestMigrate(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testMigrate(t, sqliteBackend()) })
	t.Run("Postgres", func(t *testing.T) { testMigrate(t, postgresBackend(storetest.StartPostgres(t))) })
}

func testMigrate(t *testing.T, b backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

	t.Run("FromPreviousSchema", func(t *testing.T) {
		dsn := b.newDSN(t)
		old, err := store.OpenAt(ctx, dsn, 1)
		if err != nil {
			t.Fatal(err)
		}
		ann, err := old.PlayerByKey(ctx, store.HashKey([]byte("ann's key")), "ann")
		if err != nil {
			t.Fatal(err)
		}
		// Results as schema 1 stored them, without the bests of schema 3,
		// which the migration must fill in.
		lite := strings.HasPrefix(dsn, "sqlite://")
		for _, score := range []int{7, 42, 3} {
			when := map[bool]string{true: fmt.Sprint(at.UnixMicro()), false: "'" + at.Format(time.RFC3339) + "'"}[lite]
			b.exec(t, dsn, fmt.Sprintf(`INSERT INTO results (game, player_id, room, score, kills, cause, life_ticks, at)
				VALUES ('snake', %d, 'r', %d, 0, 'wall', 10, %s)`, ann.ID, score, when))
		}
		if err := old.AddChat(ctx, []store.ChatLine{{Room: "r", Player: ann.ID, Name: "ann", Text: "hi", At: at}}); err != nil {
			t.Fatal(err)
		}
		old.Close()
		if b.table(t, dsn, "matches") {
			t.Fatal("schema 1 has the table of schema 2")
		}

		st, err := store.Status(ctx, dsn)
		if err != nil || st.Version != 1 || !st.Exists || len(st.Pending) != st.Latest-1 || st.Pending[0].Name != "0002_matches" {
			t.Fatalf("status at schema 1: %+v, %v", st, err)
		}
		applied, err := store.Migrate(ctx, dsn)
		if err != nil || len(applied) != st.Latest-1 || applied[0] != (store.Migration{Version: 2, Name: "0002_matches"}) {
			t.Fatalf("Migrate from 1: %+v, %v", applied, err)
		}
		if st, err := store.Status(ctx, dsn); err != nil || st.Version != st.Latest || len(st.Pending) != 0 {
			t.Errorf("status after Migrate: %+v, %v", st, err)
		}
		if again, err := store.Migrate(ctx, dsn); err != nil || len(again) != 0 {
			t.Errorf("Migrate when up to date: %+v, %v", again, err)
		}

		s := openT(t, dsn)
		defer s.Close()
		if p, err := s.PlayerByKey(ctx, store.HashKey([]byte("ann's key")), "x"); err != nil || p.ID != ann.ID || p.Name != "ann" {
			t.Errorf("ann after the migration: %+v, %v", p, err)
		}
		if board, err := s.Leaderboard(ctx, "snake", time.Time{}, 10); err != nil || len(board) != 1 || board[0].Score != 42 {
			t.Errorf("board after the migration: %+v, %v", board, err)
		}
		if lines, err := s.RecentChat(ctx, "r", 10); err != nil || len(lines) != 1 || lines[0].Text != "hi" {
			t.Errorf("chat after the migration: %+v, %v", lines, err)
		}
		if best, err := s.Best(ctx, "snake", ann.ID, time.Time{}); err != nil || best.Score != 42 || best.Rank != 1 {
			t.Errorf("ann's best after the migration: %+v, %v", best, err)
		}
		if rs, err := s.PlayerResults(ctx, ann.ID, "snake", 10); err != nil || len(rs) != 3 {
			t.Errorf("ann's results after the migration: %+v, %v", rs, err)
		}
		if err := s.AddMatches(ctx, []store.Match{{Game: "snake", Started: at, Ended: at, Players: []store.MatchPlayer{{Player: ann.ID, Name: "ann"}}}}); err != nil {
			t.Errorf("a match after the migration: %v", err)
		}
	})

	t.Run("FromEmpty", func(t *testing.T) {
		dsn := b.newDSN(t)
		st, err := store.Status(ctx, dsn)
		if err != nil || st.Version != 0 || len(st.Pending) != st.Latest || st.Latest < 2 {
			t.Fatalf("status of an empty database: %+v, %v", st, err)
		}
		if strings.HasPrefix(dsn, "sqlite://") {
			if st.Exists || st.Backend != "sqlite" {
				t.Errorf("status of a SQLite file not created: %+v", st)
			}
			if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite://")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Status created the database file: %v", err)
			}
		} else if !st.Exists || st.Backend != "postgres" {
			t.Errorf("status of an empty PostgreSQL database: %+v", st)
		}
		applied, err := store.Migrate(ctx, dsn)
		if err != nil || len(applied) != st.Latest || applied[0].Version != 1 {
			t.Fatalf("Migrate from empty: %+v, %v", applied, err)
		}
		for _, table := range []string{"players", "results", "chat", "matches", "match_players"} {
			if !b.table(t, dsn, table) {
				t.Errorf("no table %s after Migrate", table)
			}
		}
	})

	t.Run("FailingMigration", func(t *testing.T) {
		dsn := b.newDSN(t)
		old, err := store.OpenAt(ctx, dsn, 1)
		if err != nil {
			t.Fatal(err)
		}
		old.Close()
		// A table in the way of migration 2's second one: its first
		// (matches) succeeds, then the migration fails and must leave
		// nothing of itself.
		b.exec(t, dsn, `CREATE TABLE match_players (x INTEGER)`)
		_, err = store.Migrate(ctx, dsn)
		if err == nil {
			t.Fatal("a migration that cannot apply succeeded")
		}
		for _, want := range []string{"0002_matches", "match_players", "left as it was"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error does not say %q: %v", want, err)
			}
		}
		if _, err := store.Open(ctx, dsn); err == nil {
			t.Error("Open of a database whose migration fails succeeded")
		}
		if st, err := store.Status(ctx, dsn); err != nil || st.Version != 1 {
			t.Errorf("status after the failed migration: %+v, %v; want version 1", st, err)
		}
		if b.table(t, dsn, "matches") {
			t.Error("the failed migration left its first table behind")
		}
	})

	t.Run("NewerThanBinary", func(t *testing.T) {
		dsn := b.newDSN(t)
		if _, err := store.Migrate(ctx, dsn); err != nil {
			t.Fatal(err)
		}
		b.exec(t, dsn, `INSERT INTO schema_version (version, name, applied) VALUES (99, '0099_future', `+
			map[bool]string{true: "0", false: "now()"}[strings.HasPrefix(dsn, "sqlite://")]+`)`)
		_, err := store.Open(ctx, dsn)
		if !errors.Is(err, store.ErrSchemaTooNew) || !strings.Contains(err.Error(), "99") {
			t.Errorf("Open of a newer schema: %v, want ErrSchemaTooNew naming version 99", err)
		}
		if _, err := store.Migrate(ctx, dsn); !errors.Is(err, store.ErrSchemaTooNew) {
			t.Errorf("Migrate of a newer schema: %v", err)
		}
		st, err := store.Status(ctx, dsn)
		if !errors.Is(err, store.ErrSchemaTooNew) || st.Version != 99 {
			t.Errorf("Status of a newer schema: %+v, %v", st, err)
		}
	})
}

func TestRedactDSN(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://u:secret@db:5432/t?sslmode=disable": "postgres://...@db:5432/t?sslmode=disable",
		"postgres://u:se/cr@et@db/t":                    "postgres://...@db/t",
		"postgresql://db/t?user=u&password=secret":      "postgresql://db/t?user=u&password=...",
		"postgres://db/t":                               "postgres://db/t",
		"sqlite:///var/lib/tickroom/tickroom.db":        "sqlite:///var/lib/tickroom/tickroom.db",
		"/data/tickroom.db?busy_timeout=10":             "/data/tickroom.db?busy_timeout=10",
	} {
		if got := store.RedactDSN(dsn); got != want {
			t.Errorf("RedactDSN(%q) = %q, want %q", dsn, got, want)
		}
	}
}
