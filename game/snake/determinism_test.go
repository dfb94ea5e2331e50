package snake_test

import (
	"hash/fnv"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/tickroom/tickroom/game/snake"
)

// trace runs a match without checks and returns, per tick, the state hash
// and a hash of the snapshot bytes.
func trace(m *match, ticks int) []uint64 {
	out := make([]uint64, 0, 2*ticks)
	var buf []byte
	for range ticks {
		_ = m.step() // checks are off: step cannot fail
		buf = m.g.AppendSnapshot(buf[:0])
		h := fnv.New64a()
		h.Write(buf)
		out = append(out, m.g.StateHash(), h.Sum64())
	}
	return out
}

// TestDeterminism runs the same matches one after another and then
// concurrently under GOMAXPROCS 1 and 2: every run must produce the same
// state and snapshot at every tick. It is not parallel because GOMAXPROCS
// is process-wide.
func TestDeterminism(t *testing.T) {
	const ticks = 300
	seeds := []uint64{0, 1, 2, 99, 1 << 40}
	cfg := matchConfigs[2]
	newMatches := func() []*match {
		var ms []*match
		for _, seed := range seeds {
			m := newMatch(t, seed, cfg)
			m.check = false
			ms = append(ms, m)
		}
		return ms
	}
	var want [][]uint64
	for _, m := range newMatches() {
		want = append(want, trace(m, ticks))
	}
	for i, m := range newMatches() {
		if got := trace(m, ticks); !slices.Equal(got, want[i]) {
			t.Fatalf("seed %d: a second run differs at tick %d", seeds[i], firstDiff(got, want[i])/2+1)
		}
	}
	if want[0][0] == want[1][0] {
		t.Errorf("seeds %d and %d give the same first state: the seed is not used", seeds[0], seeds[1])
	}
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		ms := newMatches()
		got := make([][]uint64, len(ms))
		var wg sync.WaitGroup
		for i, m := range ms {
			wg.Go(func() { got[i] = trace(m, ticks) })
		}
		wg.Wait()
		runtime.GOMAXPROCS(old)
		for i := range ms {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("GOMAXPROCS=%d, seed %d: differs at tick %d", procs, seeds[i], firstDiff(got[i], want[i])/2+1)
			}
		}
	}
}

func firstDiff(a, b []uint64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestStateHashCoversState checks that state a snapshot does not show still
// changes the hash: pending turns and the generator.
func TestStateHashCoversState(t *testing.T) {
	t.Parallel()
	a := snake.Placed{ID: 1, Cells: []xy{{5, 5}, {4, 5}, {3, 5}}, Dir: snake.Right}
	g1 := placed(t, board(12, 12), []snake.Placed{a}, nil)
	g2 := placed(t, board(12, 12), []snake.Placed{a}, nil)
	if g1.StateHash() != g2.StateHash() {
		t.Fatalf("equal games hash differently")
	}
	input(t, g1, 1, snake.Up)
	if g1.StateHash() == g2.StateHash() {
		t.Errorf("a queued turn does not change the hash")
	}
	g3, err := snake.NewPlaced(board(12, 12), 2, []snake.Placed{a}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g3.StateHash() == g2.StateHash() {
		t.Errorf("another seed does not change the hash")
	}
}
