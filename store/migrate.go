package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
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

// pending returns the migrations after version current.
func pending(ms []migration, current int) ([]migration, error) {
	if current > len(ms) {
		return nil, fmt.Errorf("store: database schema is at version %d, newer than this binary's %d", current, len(ms))
	}
	return ms[current:], nil
}

// SchemaVersioner is implemented by both stores: the schema version the
// database is at after Open.
type SchemaVersioner interface {
	SchemaVersion(ctx context.Context) (int, error)
}
