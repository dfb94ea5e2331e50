package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tickroom/tickroom/store"
	"github.com/tickroom/tickroom/store/storetest"
)

// TestFindPlayerByKey on both backends: it finds the player a key made,
// and for another key finds nothing and creates nothing.
func TestFindPlayerByKey(t *testing.T) {
	test := func(t *testing.T, s store.Store) {
		t.Cleanup(func() { s.Close() })
		ctx := context.Background()
		f := s
		p, err := s.PlayerByKey(ctx, store.HashKey([]byte("key of ann 0123456")), "ann")
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.FindPlayerByKey(ctx, store.HashKey([]byte("key of ann 0123456")))
		if err != nil || got != p {
			t.Fatalf("FindPlayerByKey = %+v, %v; want %+v", got, err, p)
		}
		other := store.HashKey([]byte("key of nobody 0123"))
		if _, err := f.FindPlayerByKey(ctx, other); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown key: %v, want ErrNotFound", err)
		}
		if _, err := f.FindPlayerByKey(ctx, []byte("short")); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("a hash of 5 bytes: %v, want ErrInvalid", err)
		}
		q, err := s.PlayerByKey(ctx, other, "bob")
		if err != nil || q.ID == p.ID || q.Created.Before(p.Created) {
			t.Fatalf("the unknown key was looked up, then made: %+v, %v (ann %+v)", q, err, p)
		}
		if q.ID != p.ID+1 {
			t.Errorf("the second player got id %d after %d: the failed finds made players", q.ID, p.ID)
		}
	}
	t.Run("SQLite", func(t *testing.T) { test(t, openT(t, filepath.Join(t.TempDir(), "s.db"))) })
	t.Run("Postgres", func(t *testing.T) { test(t, openT(t, storetest.StartPostgres(t).NewDatabase(t))) })
}
