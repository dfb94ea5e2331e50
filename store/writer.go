package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WriterConfig tunes a Writer; zero fields take the defaults.
type WriterConfig struct {
	Queue        int           // items waiting to be written: 8192
	Batch        int           // most items per write: 512
	WriteTimeout time.Duration // bound of one write: 10s
	MinBackoff   time.Duration // first wait after a failed write: 50ms
	MaxBackoff   time.Duration // longest wait between attempts: 5s
	// Poison is how many attempts a batch gets while Ping succeeds (the
	// database is up and still refuses the batch) before it is dropped
	// and counted as failed: 3.
	Poison int
	// OnError, if set, is told of each failed write (from the Writer's
	// goroutine; it must not block).
	OnError func(error)
}

// WriterStats counts a Writer's items since it started: totals, and the
// same by kind of item.
type WriterStats struct {
	Queued  int64 `json:"queued"`  // handed off and waiting
	Written int64 `json:"written"` // stored
	Lost    int64 `json:"lost"`    // refused at hand-off (queue full, Writer closed) or unwritten when Close gave up
	Failed  int64 `json:"failed"`  // refused by the database (ErrInvalid or a poison batch)
	Retries int64 `json:"retries"` // failed write attempts that were retried

	Result KindStats `json:"result"`
	Chat   KindStats `json:"chat"`
	Match  KindStats `json:"match"`
}

// KindStats counts one kind of item (results, chat lines or matches) as
// WriterStats does; a retry counts once per batch of the kind.
type KindStats struct {
	Queued  int64 `json:"queued"`
	Written int64 `json:"written"`
	Lost    int64 `json:"lost"`
	Failed  int64 `json:"failed"`
	Retries int64 `json:"retries"`
}

// Kinds are the names of the kinds of item, as the metrics label them.
const (
	KindResult = "result"
	KindChat   = "chat"
	KindMatch  = "match"
)

// ByKind returns the counts of kind (KindResult, KindChat or KindMatch;
// zero for anything else).
func (s WriterStats) ByKind(kind string) KindStats {
	switch kind {
	case KindResult:
		return s.Result
	case KindChat:
		return s.Chat
	case KindMatch:
		return s.Match
	}
	return KindStats{}
}

// Writer hands results, chat and matches to a Store from a single goroutine, so
// that the caller (a room's tick) never waits on the database.
//
// The queue is bounded. When it is full the item is counted as lost and
// the hand-off returns false at once: the Writer never blocks its caller.
// Items are written in batches of what is waiting (up to Batch): the
// batch's results in one AddResults, its chat in one AddChat and its
// matches in one AddMatches. A failed write is retried
// with exponential backoff for as long as the database is down, so
// nothing that a hand-off accepted is lost to an outage shorter than the
// queue takes to fill. A write that fails with ErrUnavailable (a full or
// read-only disk) counts as an outage however Ping answers; a batch that
// the database refuses while up is dropped (Failed). Writes are at least once: a commit whose answer is
// lost is written again.
type Writer struct {
	s   Store
	cfg WriterConfig
	ch  chan item

	mu     sync.RWMutex // held for reading by hand-offs, for writing by Close
	closed bool

	ctx    context.Context // cancelled when Close gives up
	cancel context.CancelFunc
	done   chan struct{}

	n [nkinds]counts
	// latency is each kind's batch write time, failed attempts included,
	// exported by NewCollector.
	latency [nkinds]prometheus.Observer
	hist    *prometheus.HistogramVec

	errMu   sync.Mutex
	lastErr error
	errAt   time.Time
	okAt    time.Time // of the last write that succeeded
}

// kind indexes Writer.n.
type kind uint8

const (
	result kind = iota
	chatLine
	match
	nkinds
)

func (k kind) String() string {
	switch k {
	case result:
		return KindResult
	case chatLine:
		return KindChat
	}
	return KindMatch
}

type counts struct {
	queued, written, lost, failed, retries atomic.Int64
}

type item struct {
	kind kind
	r    Result
	c    ChatLine
	m    Match
}

// NewWriter starts a Writer that writes to s. Close it to stop its
// goroutine; closing the Writer does not close s.
func NewWriter(s Store, cfg WriterConfig) *Writer {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Queue, 8192)
	def(&cfg.Batch, 512)
	def(&cfg.Poison, 3)
	defd(&cfg.WriteTimeout, 10*time.Second)
	defd(&cfg.MinBackoff, 50*time.Millisecond)
	defd(&cfg.MaxBackoff, 5*time.Second)
	w := &Writer{s: s, cfg: cfg, ch: make(chan item, cfg.Queue), done: make(chan struct{})}
	w.hist = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tickroom_store_batch_seconds",
		Help:    "Time of one batch write to the store by kind of item, failed attempts included.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"kind"})
	for k := range nkinds {
		w.latency[k] = w.hist.WithLabelValues(k.String())
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w
}

// Result hands r to the Writer. It never blocks: false means r was not
// accepted (queue full or Writer closed) and was counted as lost.
func (w *Writer) Result(r Result) bool { return w.put(item{kind: result, r: r}) }

// Chat hands c to the Writer, as Result does.
func (w *Writer) Chat(c ChatLine) bool { return w.put(item{kind: chatLine, c: c}) }

// Match hands m to the Writer, as Result does. The Writer keeps m's
// Players slice: the caller must not change it afterwards.
func (w *Writer) Match(m Match) bool { return w.put(item{kind: match, m: m}) }

func (w *Writer) put(it item) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	c := &w.n[it.kind]
	if w.closed {
		c.lost.Add(1)
		return false
	}
	select {
	case w.ch <- it:
		c.queued.Add(1)
		return true
	default:
		c.lost.Add(1)
		return false
	}
}

// Stats returns the Writer's counts.
func (w *Writer) Stats() WriterStats {
	var st WriterStats
	for k, dst := range []*KindStats{&st.Result, &st.Chat, &st.Match} {
		c := &w.n[k]
		*dst = KindStats{
			Queued: c.queued.Load(), Written: c.written.Load(), Lost: c.lost.Load(),
			Failed: c.failed.Load(), Retries: c.retries.Load(),
		}
		st.Queued += dst.Queued
		st.Written += dst.Written
		st.Lost += dst.Lost
		st.Failed += dst.Failed
		st.Retries += dst.Retries
	}
	return st
}

// LastError returns when the last write failed and its error (nil if no
// write failed yet).
func (w *Writer) LastError() (time.Time, error) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.errAt, w.lastErr
}

// Failing returns the error of the last write when it failed with
// ErrUnavailable and no write has succeeded since: the database answers
// but cannot write (a full disk, say). Nil otherwise.
func (w *Writer) Failing() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.lastErr != nil && errors.Is(w.lastErr, ErrUnavailable) && w.errAt.After(w.okAt) {
		return w.lastErr
	}
	return nil
}

// QueueLen is how many items wait in the queue (Stats' Queued, without
// the rest).
func (w *Writer) QueueLen() int { return len(w.ch) }

// QueueCap is the queue's bound (WriterConfig.Queue).
func (w *Writer) QueueCap() int { return cap(w.ch) }

// Close refuses further hand-offs and writes what is queued, retrying
// while ctx allows. When ctx ends first, Close stops the writes, counts
// what is left as lost and returns an error wrapping ctx's. It waits for
// the Writer's goroutine in both cases. A second Close returns ErrClosed.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	close(w.ch) // no hand-off is in flight: they hold the read lock
	w.mu.Unlock()
	select {
	case <-w.done:
		w.cancel()
		return nil
	default:
	}
	select {
	case <-w.done:
		w.cancel()
		return nil
	case <-ctx.Done():
		w.cancel()
		<-w.done
		return fmt.Errorf("store: writer closed before writing all: %d lost: %w", w.Stats().Lost, ctx.Err())
	}
}

func (w *Writer) run() {
	defer close(w.done)
	results := make([]Result, 0, w.cfg.Batch)
	chats := make([]ChatLine, 0, w.cfg.Batch)
	var matches []Match
	for {
		it, ok := <-w.ch
		if !ok {
			return
		}
		clear(matches) // let the written matches' players go
		results, chats, matches = results[:0], chats[:0], matches[:0]
		add := func(it item) {
			w.n[it.kind].queued.Add(-1)
			switch it.kind {
			case result:
				results = append(results, it.r)
			case chatLine:
				chats = append(chats, it.c)
			case match:
				matches = append(matches, it.m)
			}
		}
		add(it)
	fill:
		for len(results)+len(chats)+len(matches) < w.cfg.Batch {
			select {
			case it, ok := <-w.ch:
				if !ok {
					break fill
				}
				add(it)
			default:
				break fill
			}
		}
		w.write(result, len(results), func(ctx context.Context) error { return w.s.AddResults(ctx, results) })
		w.write(chatLine, len(chats), func(ctx context.Context) error { return w.s.AddChat(ctx, chats) })
		w.write(match, len(matches), func(ctx context.Context) error { return w.s.AddMatches(ctx, matches) })
		if w.ctx.Err() != nil {
			// Close gave up: count what is left and stop.
			for it := range w.ch {
				c := &w.n[it.kind]
				c.queued.Add(-1)
				c.lost.Add(1)
			}
			return
		}
	}
}

// write runs f until it succeeds, the batch proves poison, or Close gives
// up.
func (w *Writer) write(k kind, n int, f func(context.Context) error) {
	if n == 0 {
		return
	}
	c := &w.n[k]
	backoff := w.cfg.MinBackoff
	refused := 0
	for {
		if w.ctx.Err() != nil {
			c.lost.Add(int64(n))
			return
		}
		ctx, cancel := context.WithTimeout(w.ctx, w.cfg.WriteTimeout)
		start := time.Now()
		err := f(ctx)
		cancel()
		w.latency[k].Observe(time.Since(start).Seconds())
		if err == nil {
			c.written.Add(int64(n))
			w.errMu.Lock()
			w.okAt = time.Now()
			w.errMu.Unlock()
			return
		}
		w.errMu.Lock()
		w.lastErr, w.errAt = err, time.Now()
		w.errMu.Unlock()
		if w.cfg.OnError != nil {
			w.cfg.OnError(err)
		}
		if errors.Is(err, ErrInvalid) {
			c.failed.Add(int64(n))
			return
		}
		if w.ctx.Err() != nil {
			c.lost.Add(int64(n))
			return
		}
		// A database that cannot write now (full, read-only) may still
		// answer a Ping: it is down all the same, not refusing the batch.
		up := false
		if !errors.Is(err, ErrUnavailable) {
			ctx, cancel = context.WithTimeout(w.ctx, w.cfg.WriteTimeout)
			up = w.s.Ping(ctx) == nil
			cancel()
		}
		if up {
			if refused++; refused >= w.cfg.Poison {
				c.failed.Add(int64(n))
				return
			}
		}
		c.retries.Add(1)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.ctx.Done():
			t.Stop()
		}
		if backoff *= 2; backoff > w.cfg.MaxBackoff {
			backoff = w.cfg.MaxBackoff
		}
	}
}
