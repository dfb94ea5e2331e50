package store

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Health is what an operator is told of a store: which backend, whether
// it answers, and the Writer's counts.
type Health struct {
	Backend       string    `json:"backend"` // "sqlite", "postgres" or the Store's type
	Up            bool      `json:"up"`
	Error         string    `json:"error,omitempty"` // why the last check found it down
	Checked       time.Time `json:"checked"`
	SchemaVersion int       `json:"schemaVersion,omitempty"` // 0 when unknown
	// LastError is the last failure seen, by a check or a write of the
	// Writer, even when the store is up again; LastErrorAt is when.
	LastError   string       `json:"lastError,omitempty"`
	LastErrorAt time.Time    `json:"lastErrorAt,omitzero"`
	Writer      *WriterStats `json:"writer,omitempty"`
	// QueueCap is the Writer's queue bound (its Queued is the depth).
	QueueCap int `json:"queueCap,omitempty"`
}

const (
	// healthEvery is how old a cached check may get: scrapes and admin
	// polls come every few seconds, and each must not cost a round trip.
	healthEvery = 5 * time.Second
	// healthTimeout bounds one check, so that a hung database delays a
	// scrape by this much at most.
	healthTimeout = 2 * time.Second
)

// Collector exports a Writer's counts and its Store's health to
// Prometheus, and serves the same as Health to the admin view. The
// store's health comes from a Ping made at most once per 5 s, on the
// scrape (or Health call) that finds the last one stale: no goroutine of
// its own.
type Collector struct {
	w *Writer
	s Store

	mu      sync.Mutex // held through a check, so that checks do not pile up
	checked time.Time
	pingErr error
	version int
	lastErr string
	lastAt  time.Time

	up, depth, capacity            *prometheus.Desc
	written, failed, lost, retries *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector exports w and s; either may be nil (a server with a store
// but no Writer, or the reverse, exports what it has).
func NewCollector(w *Writer, s Store) *Collector {
	kind := []string{"kind"}
	return &Collector{
		w: w, s: s,
		up:       prometheus.NewDesc("tickroom_store_up", "1 when the store answered its last check (a Ping at most every 5 s) and the Writer's writes are not failing on a database that cannot write (full, read-only); 0 otherwise.", nil, nil),
		depth:    prometheus.NewDesc("tickroom_store_queue_depth", "Items handed to the store's Writer and waiting to be written.", nil, nil),
		capacity: prometheus.NewDesc("tickroom_store_queue_capacity", "Bound of the store Writer's queue: past it hand-offs are lost.", nil, nil),
		written:  prometheus.NewDesc("tickroom_store_items_written_total", "Items the Writer stored, by kind (result, chat, match).", kind, nil),
		failed:   prometheus.NewDesc("tickroom_store_items_failed_total", "Items the database refused (invalid, or a batch refused while up), by kind.", kind, nil),
		lost:     prometheus.NewDesc("tickroom_store_items_lost_total", "Items never written: queue full at hand-off, or still queued when shutdown gave up, by kind.", kind, nil),
		retries:  prometheus.NewDesc("tickroom_store_retries_total", "Failed batch writes that were retried, by kind.", kind, nil),
	}
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.depth, c.capacity, c.written, c.failed, c.lost, c.retries} {
		ch <- d
	}
	if c.w != nil {
		c.w.hist.Describe(ch)
	}
}

func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.s != nil {
		h := c.Health(context.Background())
		up := 0.0
		if h.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
	}
	if c.w == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(c.w.QueueLen()))
	ch <- prometheus.MustNewConstMetric(c.capacity, prometheus.GaugeValue, float64(c.w.QueueCap()))
	st := c.w.Stats()
	for _, k := range []string{KindResult, KindChat, KindMatch} {
		ks := st.ByKind(k)
		ch <- prometheus.MustNewConstMetric(c.written, prometheus.CounterValue, float64(ks.Written), k)
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(ks.Failed), k)
		ch <- prometheus.MustNewConstMetric(c.lost, prometheus.CounterValue, float64(ks.Lost), k)
		ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(ks.Retries), k)
	}
	c.w.hist.Collect(ch)
}

// Health returns the store's health, checking it (Ping, and the schema
// version) when the last check is over 5 s old.
func (c *Collector) Health(ctx context.Context) Health {
	h := Health{Backend: "none"}
	if c.s != nil {
		h.Backend = backendName(c.s)
		c.mu.Lock()
		if now := time.Now(); now.Sub(c.checked) >= healthEvery {
			c.check(ctx, now)
		}
		h.Up, h.Checked, h.SchemaVersion = c.pingErr == nil, c.checked, c.version
		if c.pingErr != nil {
			h.Error = c.pingErr.Error()
		}
		h.LastError, h.LastErrorAt = c.lastErr, c.lastAt
		c.mu.Unlock()
	}
	if c.w != nil {
		st := c.w.Stats()
		h.Writer, h.QueueCap = &st, c.w.QueueCap()
		// Answering a Ping is not enough: a full disk answers and writes
		// nothing.
		if err := c.w.Failing(); err != nil && c.s != nil {
			h.Up, h.Error = false, err.Error()
		}
		if at, err := c.w.LastError(); err != nil && at.After(h.LastErrorAt) {
			h.LastError, h.LastErrorAt = err.Error(), at
		}
	}
	return h
}

// check pings the store; c.mu is held.
func (c *Collector) check(ctx context.Context, now time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimeout)
	defer cancel()
	c.pingErr = c.s.Ping(ctx)
	if c.pingErr == nil {
		if v, ok := c.s.(SchemaVersioner); ok {
			if n, err := v.SchemaVersion(ctx); err == nil {
				c.version = n
			}
		}
	} else {
		c.lastErr, c.lastAt = c.pingErr.Error(), now
	}
	c.checked = time.Now()
}

func backendName(s Store) string {
	switch s.(type) {
	case *SQLite:
		return "sqlite"
	case *Postgres:
		return "postgres"
	}
	if b, ok := s.(interface{ Backend() string }); ok {
		return b.Backend()
	}
	return "unknown"
}
