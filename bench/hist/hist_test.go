package hist_test

import (
	"math"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/bench/hist"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQuantileWithinBucketError(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	// 1..100000 µs, uniformly: the q-quantile is q*100000 µs.
	for us := 1; us <= 100000; us++ {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	c := h.Snapshot()
	if got, want := c.Count(), uint64(100000); got != want {
		t.Fatalf("count %d, want %d", got, want)
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		want := q * 100000
		got := float64(c.Quantile(q)) / float64(time.Microsecond)
		if math.Abs(got-want)/want > 1.0/32 {
			t.Errorf("q%g = %.0f µs, want %.0f within 1/32", q, got, want)
		}
	}
	if got, want := c.Mean(), 50000*time.Microsecond; got != want {
		t.Errorf("mean %v, want %v", got, want)
	}
	if max := c.Max(); max < 100*time.Millisecond || max > 104*time.Millisecond {
		t.Errorf("max %v, want the bucket above 100ms", max)
	}
}

func TestSmallValuesExact(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	for range 10 {
		h.Record(7 * time.Microsecond)
	}
	c := h.Snapshot()
	if got := c.Quantile(0.5); got < 7*time.Microsecond || got > 8*time.Microsecond {
		t.Errorf("p50 %v, want in [7µs, 8µs]", got)
	}
}

func TestSub(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	h.Record(time.Millisecond)
	before := h.Snapshot()
	for range 99 {
		h.Record(50 * time.Millisecond)
	}
	w := h.Snapshot().Sub(before)
	if got, want := w.Count(), uint64(99); got != want {
		t.Fatalf("window count %d, want %d", got, want)
	}
	if p := w.Quantile(0); p < 49*time.Millisecond {
		t.Errorf("window min %v: the value before the window leaked in", p)
	}
}

func TestEmptyAndExtremes(t *testing.T) {
	t.Parallel()
	var h hist.Histogram
	c := h.Snapshot()
	if c.Quantile(0.99) != 0 || c.Max() != 0 || c.Mean() != 0 {
		t.Errorf("empty histogram: got non-zero figures")
	}
	h.Record(-time.Second)
	h.Record(10 * time.Hour) // beyond the range: the last bucket
	c = h.Snapshot()
	if got := c.Quantile(0); got != 0 {
		t.Errorf("negative duration recorded as %v, want 0", got)
	}
	if got := c.Quantile(1); got < time.Hour {
		t.Errorf("huge duration recorded as %v, want the last bucket", got)
	}
}
