package hist

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

const (
	subBits = 5
	sub     = 1 << subBits // buckets per power of two
	// maxBits bounds recorded values to 2^maxBits µs (about 71 minutes);
	// larger values land in the last bucket.
	maxBits = 32
	buckets = (maxBits - subBits + 1) * sub
)

// Histogram counts durations. The zero value is ready; it must not be
// copied after first use.
type Histogram struct {
	counts [buckets]atomic.Uint64
	sum    atomic.Uint64 // µs
}

// Record adds one duration; negative durations count as 0.
func (h *Histogram) Record(d time.Duration) {
	us := uint64(max(d, 0) / time.Microsecond)
	h.counts[index(us)].Add(1)
	h.sum.Add(us)
}

// Snapshot copies the counts as they are now.
func (h *Histogram) Snapshot() *Counts {
	c := new(Counts)
	for i := range h.counts {
		if v := h.counts[i].Load(); v != 0 {
			c.counts[i] = v
			c.n += v
		}
	}
	c.sum = h.sum.Load()
	return c
}

// index is the bucket of a value in µs.
func index(v uint64) int {
	if v >= 1<<maxBits {
		return buckets - 1
	}
	msb := bits.Len64(v) - 1
	if msb < subBits {
		return int(v)
	}
	shift := msb - subBits
	return (shift+1)*sub + int(v>>shift) - sub
}

// bounds returns bucket i's range [lo, hi) in µs.
func bounds(i int) (lo, hi uint64) {
	if i < sub {
		return uint64(i), uint64(i) + 1
	}
	shift := i/sub - 1
	m := uint64(i%sub + sub)
	return m << shift, (m + 1) << shift
}

// Counts is a histogram's counts at one moment, or the difference of two.
type Counts struct {
	counts [buckets]uint64
	n      uint64
	sum    uint64
}

// Sub returns c minus an earlier snapshot of the same histogram.
func (c *Counts) Sub(earlier *Counts) *Counts {
	d := new(Counts)
	for i := range c.counts {
		d.counts[i] = c.counts[i] - earlier.counts[i]
	}
	d.n = c.n - earlier.n
	d.sum = c.sum - earlier.sum
	return d
}

// Add adds other's counts to c.
func (c *Counts) Add(other *Counts) {
	for i := range c.counts {
		c.counts[i] += other.counts[i]
	}
	c.n += other.n
	c.sum += other.sum
}

// Count returns the number of values.
func (c *Counts) Count() uint64 { return c.n }

// Mean returns the mean, 0 without values.
func (c *Counts) Mean() time.Duration {
	if c.n == 0 {
		return 0
	}
	return time.Duration(c.sum/c.n) * time.Microsecond
}

// Quantile returns the q-quantile (0..1), interpolated linearly inside its
// bucket; 0 without values.
func (c *Counts) Quantile(q float64) time.Duration {
	if c.n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(c.n)
	var seen uint64
	for i, n := range c.counts {
		if n == 0 {
			continue
		}
		if float64(seen+n) >= rank {
			lo, hi := bounds(i)
			frac := (rank - float64(seen)) / float64(n)
			us := float64(lo) + frac*float64(hi-lo)
			return time.Duration(math.Round(us * float64(time.Microsecond)))
		}
		seen += n
	}
	return c.Max()
}

// Max returns the upper bound of the highest non-empty bucket, 0 without
// values.
func (c *Counts) Max() time.Duration {
	for i := len(c.counts) - 1; i >= 0; i-- {
		if c.counts[i] != 0 {
			_, hi := bounds(i)
			return time.Duration(hi) * time.Microsecond
		}
	}
	return 0
}
