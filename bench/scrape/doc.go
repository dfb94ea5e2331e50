// Package scrape reads a tickroom server's Prometheus /metrics the way a
// benchmark needs it: one Sample per scrape, counters and histograms by name,
// and the difference of two samples over a measurement window, with
// quantiles interpolated from histogram buckets as Prometheus's
// histogram_quantile does.
//
// The benchmark reads only this public surface (and /proc of a server it
// started): no side door into the server.
package scrape
