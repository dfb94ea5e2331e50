package store

import (
	"errors"
	"testing"
)

func TestMigrationSets(t *testing.T) {
	lite, err := migrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL ones: want the same versions in both", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].name != pg[i].name {
			t.Errorf("version %d is %s in SQLite, %s in PostgreSQL", i+1, lite[i].name, pg[i].name)
		}
	}
	if todo, err := pending(lite, 0, 0); err != nil || len(todo) != len(lite) {
		t.Errorf("from empty: %d pending, %v", len(todo), err)
	}
	if todo, err := pending(lite, len(lite), 0); err != nil || len(todo) != 0 {
		t.Errorf("up to date: %d pending, %v", len(todo), err)
	}
	if todo, err := pending(lite, 0, 1); err != nil || len(todo) != 1 || todo[0].version != 1 {
		t.Errorf("from empty to 1: %+v, %v", todo, err)
	}
	if todo, err := pending(lite, 1, 1); err != nil || len(todo) != 0 {
		t.Errorf("at the target: %+v, %v", todo, err)
	}
	if _, err := pending(lite, len(lite)+1, 0); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("a database newer than the binary: %v, want ErrSchemaTooNew", err)
	}
}
