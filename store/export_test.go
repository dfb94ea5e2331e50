package store

import "context"

// OpenAt opens dsn and migrates it only up to version, for the tests of
// migrating from an older schema.
func OpenAt(ctx context.Context, dsn string, version int) (Store, error) {
	return open(ctx, dsn, openOptions{migrate: true, target: version})
}

// WriterExec runs query on a SQLite store's one writer connection: a
// PRAGMA there (max_page_count, query_only) holds for every write the
// store makes after it, as a full or read-only disk would.
func WriterExec(ctx context.Context, s Store, query string) error {
	_, err := s.(*SQLite).w.ExecContext(ctx, query)
	return err
}

// PageCount is the size of a SQLite store's file in pages.
func PageCount(ctx context.Context, s Store) (int, error) {
	var n int
	err := s.(*SQLite).w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n)
	return n, err
}
