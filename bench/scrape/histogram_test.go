package scrape_test

import (
	"math"
	"testing"

	"github.com/tickroom/tickroom/bench/scrape"
)

// hist builds a histogram from per-bucket (not cumulative) counts; the last
// count is the +Inf bucket's.
func hist(bounds []float64, counts ...float64) scrape.Histogram {
	h := scrape.Histogram{Bounds: bounds}
	var c float64
	for i, n := range counts {
		c += n
		if i < len(bounds) {
			h.Cumulative = append(h.Cumulative, c)
		}
	}
	h.Count = c
	return h
}

func TestQuantileInterpolation(t *testing.T) {
	t.Parallel()
	bounds := []float64{1, 2, 4, 8}
	for _, c := range []struct {
		name string
		h    scrape.Histogram
		q    float64
		want float64
	}{
		// 100 in (0,1]: rank 50 is halfway through the first bucket,
		// whose lower bound is 0.
		{"first bucket", hist(bounds, 100, 0, 0, 0, 0), 0.5, 0.5},
		// 50 in (1,2], 50 in (2,4]: rank 75 is halfway into (2,4].
		{"middle bucket", hist(bounds, 0, 50, 50, 0, 0), 0.75, 3},
		// rank 99 of 100: 49 of the 50 in (2,4] → 2 + 2*49/50.
		{"p99", hist(bounds, 0, 50, 50, 0, 0), 0.99, 3.96},
		{"bucket edge", hist(bounds, 0, 50, 50, 0, 0), 0.5, 2},
		// rank in the +Inf bucket: the highest finite bound.
		{"overflow", hist(bounds, 10, 0, 0, 0, 90), 0.99, 8},
		{"q0", hist(bounds, 0, 0, 10, 0, 0), 0, 2},
		{"q1", hist(bounds, 0, 0, 10, 0, 0), 1, 4},
	} {
		if got := c.h.Quantile(c.q); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s: Quantile(%g) = %g, want %g", c.name, c.q, got, c.want)
		}
	}
	if got := hist(bounds, 0, 0, 0, 0, 0).Quantile(0.5); !math.IsNaN(got) {
		t.Errorf("empty histogram quantile %g, want NaN", got)
	}
}

func TestHistogramMax(t *testing.T) {
	t.Parallel()
	bounds := []float64{1, 2, 4, 8}
	if got := hist(bounds, 5, 3, 0, 0, 0).Max(); got != 2 {
		t.Errorf("max %g, want 2 (top of the highest bucket hit)", got)
	}
	if got := hist(bounds, 5, 0, 0, 0, 1).Max(); !math.IsInf(got, 1) {
		t.Errorf("max %g, want +Inf for an observation past the last bound", got)
	}
	if got := hist(bounds).Max(); !math.IsNaN(got) {
		t.Errorf("empty max %g, want NaN", got)
	}
}

func TestHistogramSub(t *testing.T) {
	t.Parallel()
	bounds := []float64{1, 2, 4, 8}
	before := hist(bounds, 100, 0, 0, 0, 0)
	before.Sum = 50
	after := hist(bounds, 100, 0, 10, 0, 0)
	after.Sum = 80
	w := after.Sub(before)
	if w.Count != 10 || w.Sum != 30 {
		t.Fatalf("window count %g sum %g, want 10 and 30", w.Count, w.Sum)
	}
	if got := w.Quantile(0.5); got != 3 {
		t.Errorf("window p50 %g, want 3: the observations before it must not count", got)
	}
	if got := w.Mean(); got != 3 {
		t.Errorf("window mean %g, want 3", got)
	}
}
