package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// The schema is versioned: migrations/<dialect>/NNNN_name.sql, applied in
// order on Open, each version once, recorded in the table schema_version.
// All pending versions run in one transaction that holds the database's
// migration lock (SQLite's write lock; a PostgreSQL advisory lock), so
// nodes that start together migrate once. A database at a version newer
// than this binary knows is refused: an older binary does not write to a
// schema it does not know.
//
//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads a dialect's migrations, sorted by version; the versions
// must be 1, 2, 3... with no gap.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	files, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	var ms []migration
	for _, f := range files {
		name := f.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("store: migration file %s/%s: want NNNN_name.sql", dir, name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("store: migrations: %w", err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("store: migrations of %s: version %d where %d was expected", dialect, m.version, i+1)
		}
	}
	return ms, nil
}

// ErrSchemaTooNew is wrapped by the error of opening or migrating a
// database whose schema is newer than this binary's.
var ErrSchemaTooNew = errors.New("store: database schema newer than this binary")

// pending returns the migrations after version current, up to target (0:
// the last one).
func pending(ms []migration, current, target int) ([]migration, error) {
	if current > len(ms) {
		return nil, fmt.Errorf("%w: the database is at version %d, this binary knows up to %d (run a newer tickroom)",
			ErrSchemaTooNew, current, len(ms))
	}
	if target <= 0 || target > len(ms) {
		target = len(ms)
	}
	if current >= target {
		return nil, nil
	}
	return ms[current:target], nil
}

// Migration names one version of the schema.
type Migration struct {
	Version int
	Name    string // the file's name without .sql: "0002_matches"
}

func public(ms []migration) []Migration {
	out := make([]Migration, len(ms))
	for i, m := range ms {
		out[i] = Migration{Version: m.version, Name: m.name}
	}
	return out
}

// SchemaStatus is where the schema of a database stands against this
// binary's.
type SchemaStatus struct {
	Backend string // "sqlite" or "postgres"
	DSN     string // the DSN, its password hidden
	Exists  bool   // false: a SQLite file not created yet
	Version int    // the database's schema version; 0 when empty
	Latest  int    // the newest version this binary knows
	Pending []Migration
}

// openOptions is how Open treats the schema.
type openOptions struct {
	migrate bool
	target  int          // migrate up to this version; 0: the latest
	applied *[]Migration // if set, told what was applied
}

// Status reads where the schema of the database that dsn names stands,
// changing nothing (a SQLite file that does not exist is not created). A
// schema newer than this binary's returns the status and an error
// wrapping ErrSchemaTooNew.
func Status(ctx context.Context, dsn string) (SchemaStatus, error) {
	st := SchemaStatus{DSN: RedactDSN(dsn)}
	backend, err := backendOf(dsn)
	if err != nil {
		return st, err
	}
	st.Backend = backend
	ms, err := migrations(backend)
	if err != nil {
		return st, err
	}
	st.Latest = len(ms)
	var s interface {
		Store
		SchemaVersioner
	}
	switch backend {
	case "postgres":
		s, err = openPostgres(ctx, dsn, openOptions{})
	default:
		var path string
		if path, _, err = sqlitePath(dsn); err != nil {
			return st, err
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			st.Pending = public(ms)
			return st, nil
		}
		s, err = openSQLite(ctx, dsn, openOptions{})
	}
	if err != nil {
		return st, err
	}
	defer s.Close()
	st.Exists = true
	if st.Version, err = s.SchemaVersion(ctx); err != nil {
		return st, err
	}
	todo, err := pending(ms, st.Version, 0)
	st.Pending = public(todo)
	return st, err
}

// Migrate applies the pending migrations to the database that dsn names
// (creating a SQLite file if need be) and returns those it applied. They
// run in one transaction: when one fails, none is applied and the schema
// stays as it was.
func Migrate(ctx context.Context, dsn string) ([]Migration, error) {
	applied := []Migration{}
	s, err := open(ctx, dsn, openOptions{migrate: true, applied: &applied})
	if err != nil {
		return nil, err
	}
	if err := s.Close(); err != nil {
		return applied, err
	}
	return applied, nil
}

// SchemaVersioner is implemented by both stores: the schema version the
// database is at after Open.
type SchemaVersioner interface {
	SchemaVersion(ctx context.Context) (int, error)
}
