// Package hist is a log-linear latency histogram for benchmarks: lock-free
// recording from many goroutines, fixed memory, and quantiles within about 3%
// of the true value.
//
// Values are recorded in microseconds. Below 32 µs every value has its own
// bucket; above, each power of two is cut into 32 buckets, so a bucket is at
// most 1/32 of its lower bound wide. A measurement window is the difference
// of two Snapshots:
//
//	var h hist.Histogram
//	before := h.Snapshot()
//	... h.Record(d) from any goroutine ...
//	window := h.Snapshot().Sub(before)
//	p99 := window.Quantile(0.99)
package hist
