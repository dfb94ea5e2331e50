package snake_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// fuzzSnapshots plays a seeded match and returns some of its full and view
// snapshots, for fuzz seeds.
func fuzzSnapshots(f *testing.F) [][]byte {
	m := newMatch(f, 7, viewConfigs[0])
	var out [][]byte
	for range 80 {
		m.tick(f)
		if m.ticks%8 == 0 {
			out = append(out, m.g.AppendSnapshot(nil))
			out = append(out, m.g.AppendView(nil, game.Rect{X: int(m.ticks) % 20, Y: 2, W: 9, H: 12}))
		}
	}
	return out
}

// FuzzPatch applies arbitrary deltas to a valid base: Patch must never
// panic, must fail with one of its errors, and whatever it accepts must be
// a snapshot that Decode accepts and that Delta can take again.
func FuzzPatch(f *testing.F) {
	snaps := fuzzSnapshots(f)
	base := snaps[len(snaps)/2]
	for _, cur := range snaps {
		d, err := snake.Delta(nil, base, cur)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, delta []byte) {
		got, err := snake.Patch(nil, base, delta)
		if err != nil {
			if !errors.Is(err, snake.ErrBadDelta) && !errors.Is(err, snake.ErrWrongBase) {
				t.Fatalf("error %v wraps neither ErrBadDelta nor ErrWrongBase", err)
			}
			return
		}
		if _, err := snake.DecodeSnapshot(got); err != nil {
			t.Fatalf("Patch accepted % x and built an invalid snapshot: %v", delta, err)
		}
		again, err := snake.Delta(nil, base, got)
		if err != nil {
			t.Fatalf("Delta to what Patch built: %v", err)
		}
		if back, err := snake.Patch(nil, base, again); err != nil || !bytes.Equal(back, got) {
			t.Fatalf("round trip of what Patch built: %v", err)
		}
	})
}

// FuzzDelta takes deltas between arbitrary bytes: Delta must never panic,
// and whenever both are snapshots that Decode accepts and Delta succeeds,
// Patch must give cur back.
func FuzzDelta(f *testing.F) {
	snaps := fuzzSnapshots(f)
	for i := range snaps {
		f.Add(snaps[i], snaps[(i+3)%len(snaps)])
	}
	f.Fuzz(func(t *testing.T, base, cur []byte) {
		delta, err := snake.Delta(nil, base, cur)
		if err != nil {
			return
		}
		_, errB := snake.DecodeSnapshot(base)
		_, errC := snake.DecodeSnapshot(cur)
		if errB != nil || errC != nil {
			return // Delta does not walk the bodies; Patch will refuse these
		}
		got, err := snake.Patch(nil, base, delta)
		if err != nil {
			t.Fatalf("Patch: %v", err)
		}
		if !bytes.Equal(got, cur) {
			t.Fatalf("Patch gives\n% x\nwant\n% x", got, cur)
		}
	})
}

// TestDeltaAllocs is not parallel: testing.AllocsPerRun refuses to be.
func TestDeltaAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop its items")
	}
	cfg := viewConfigs[3]
	m := newMatch(t, 4, cfg)
	for range 100 {
		m.tick(t)
	}
	base, baseView := m.g.AppendSnapshot(nil), m.g.AppendView(nil, game.Rect{X: 10, Y: 10, W: 30, H: 30})
	for range 3 {
		m.tick(t)
	}
	cur, curView := m.g.AppendSnapshot(nil), m.g.AppendView(nil, game.Rect{X: 16, Y: 10, W: 30, H: 30})
	buf, out := make([]byte, 0, 64<<10), make([]byte, 0, 64<<10)
	for _, c := range []struct {
		name      string
		base, cur []byte
	}{{"full", base, cur}, {"view", baseView, curView}} {
		var err error
		buf, err = snake.Delta(buf[:0], c.base, c.cur)
		if err != nil {
			t.Fatal(err)
		}
		// A GC may empty the pool, so allow well under one allocation a
		// call rather than none.
		if got := testing.AllocsPerRun(200, func() { buf, _ = snake.Delta(buf[:0], c.base, c.cur) }); got > 0.1 {
			t.Errorf("%s: Delta allocs = %v, want 0", c.name, got)
		}
		if got := testing.AllocsPerRun(200, func() { out, _ = snake.Patch(out[:0], c.base, buf) }); got > 0.1 {
			t.Errorf("%s: Patch allocs = %v, want 0", c.name, got)
		}
	}
	r, _ := m.g.View(m.joined[0])
	if got := testing.AllocsPerRun(100, func() { out = m.g.AppendView(out[:0], r) }); got != 0 {
		t.Errorf("AppendView allocs = %v, want 0", got)
	}
}
