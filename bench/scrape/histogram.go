package scrape

import "math"

// Histogram is a Prometheus histogram: bucket upper bounds in ascending
// order and the cumulative count of observations at or below each. The +Inf
// bucket is not listed among the bounds: Count holds it.
type Histogram struct {
	Bounds     []float64
	Cumulative []float64
	Sum, Count float64
}

// Sub returns h minus an earlier sample of the same histogram: the
// observations of the window between them.
func (h Histogram) Sub(earlier Histogram) Histogram {
	d := Histogram{Sum: h.Sum - earlier.Sum, Count: h.Count - earlier.Count}
	d.Bounds = append([]float64(nil), h.Bounds...)
	d.Cumulative = make([]float64, len(h.Cumulative))
	for i, c := range h.Cumulative {
		if i < len(earlier.Cumulative) {
			c -= earlier.Cumulative[i]
		}
		d.Cumulative[i] = c
	}
	return d
}

// Mean returns Sum/Count, 0 without observations.
func (h Histogram) Mean() float64 {
	if h.Count <= 0 {
		return 0
	}
	return h.Sum / h.Count
}

// Quantile estimates the q-quantile (0..1) as histogram_quantile does: it
// finds the bucket that holds rank q*Count and interpolates linearly between
// the bucket's bounds, taking 0 as the lower bound of the first bucket
// (whose upper bound is positive). A rank in the +Inf bucket returns the
// highest finite bound. Without observations it returns NaN.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count <= 0 || len(h.Bounds) == 0 {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	rank := q * h.Count
	prevBound, prevCount := 0.0, 0.0
	for i, ub := range h.Bounds {
		c := h.Cumulative[i]
		if c >= rank && c > prevCount {
			lo := prevBound
			if i == 0 && ub <= 0 {
				return ub
			}
			return lo + (ub-lo)*(rank-prevCount)/(c-prevCount)
		}
		prevBound, prevCount = ub, c
	}
	return h.Bounds[len(h.Bounds)-1]
}

// Max returns the upper bound of the highest bucket that holds an
// observation: the maximum is at most this. Observations in the +Inf bucket
// return +Inf; without observations it returns NaN.
func (h Histogram) Max() float64 {
	if h.Count <= 0 {
		return math.NaN()
	}
	if len(h.Cumulative) == 0 || h.Count > h.Cumulative[len(h.Cumulative)-1] {
		return math.Inf(1)
	}
	top := h.Cumulative[len(h.Cumulative)-1]
	for i := range h.Bounds {
		if h.Cumulative[i] >= top {
			return h.Bounds[i]
		}
	}
	return h.Bounds[len(h.Bounds)-1]
}
