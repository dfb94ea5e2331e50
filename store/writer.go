package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
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

// WriterStats counts a Writer's items since it started.
type WriterStats struct {
	Queued  int64 // handed off and waiting
	Written int64 // stored
	Lost    int64 // refused at hand-off (queue full, Writer closed) or unwritten when Close gave up
	Failed  int64 // refused by the database (ErrInvalid or a poison batch)
	Retries int64 // failed write attempts that were retried
}

// Writer hands results and chat to a Store from a single goroutine, so
// that the caller (a room's tick) never waits on the database.
//
// The queue is bounded. When it is full the item is counted as lost and
// the hand-off returns false at once: the Writer never blocks its caller.
// Items are written in batches of what is waiting (up to Batch), results
// and chat in one AddResults and one AddChat. A failed write is retried
// with exponential backoff for as long as the database is down, so
// nothing that a hand-off accepted is lost to an outage shorter than the
// queue takes to fill; a batch that the database refuses while up is
// dropped (Failed). Writes are at least once: a commit whose answer is
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

	queued, written, lost, failed, retries atomic.Int64
}

type item struct {
	chat bool
	r    Result
	c    ChatLine
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
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w
}

// Result hands r to the Writer. It never blocks: false means r was not
// accepted (queue full or Writer closed) and was counted as lost.
func (w *Writer) Result(r Result) bool { return w.put(item{r: r}) }

// Chat hands c to the Writer, as Result does.
func (w *Writer) Chat(c ChatLine) bool { return w.put(item{chat: true, c: c}) }

func (w *Writer) put(it item) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.lost.Add(1)
		return false
	}
	select {
	case w.ch <- it:
		w.queued.Add(1)
		return true
	default:
		w.lost.Add(1)
		return false
	}
}

// Stats returns the Writer's counts.
func (w *Writer) Stats() WriterStats {
	return WriterStats{
		Queued: w.queued.Load(), Written: w.written.Load(), Lost: w.lost.Load(),
		Failed: w.failed.Load(), Retries: w.retries.Load(),
	}
}

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
		return fmt.Errorf("store: writer closed before writing all: %d lost: %w", w.lost.Load(), ctx.Err())
	}
}

func (w *Writer) run() {
	defer close(w.done)
	results := make([]Result, 0, w.cfg.Batch)
	chats := make([]ChatLine, 0, w.cfg.Batch)
	for {
		it, ok := <-w.ch
		if !ok {
			return
		}
		results, chats = results[:0], chats[:0]
		add := func(it item) {
			if it.chat {
				chats = append(chats, it.c)
			} else {
				results = append(results, it.r)
			}
		}
		add(it)
	fill:
		for len(results)+len(chats) < w.cfg.Batch {
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
		n := int64(len(results) + len(chats))
		w.queued.Add(-n)
		w.write(len(results), func(ctx context.Context) error { return w.s.AddResults(ctx, results) })
		w.write(len(chats), func(ctx context.Context) error { return w.s.AddChat(ctx, chats) })
		if w.ctx.Err() != nil {
			// Close gave up: count what is left and stop.
			for range w.ch {
				w.queued.Add(-1)
				w.lost.Add(1)
			}
			return
		}
	}
}

// write runs f until it succeeds, the batch proves poison, or Close gives
// up.
func (w *Writer) write(n int, f func(context.Context) error) {
	if n == 0 {
		return
	}
	backoff := w.cfg.MinBackoff
	refused := 0
	for {
		if w.ctx.Err() != nil {
			w.lost.Add(int64(n))
			return
		}
		ctx, cancel := context.WithTimeout(w.ctx, w.cfg.WriteTimeout)
		err := f(ctx)
		cancel()
		if err == nil {
			w.written.Add(int64(n))
			return
		}
		if w.cfg.OnError != nil {
			w.cfg.OnError(err)
		}
		if errors.Is(err, ErrInvalid) {
			w.failed.Add(int64(n))
			return
		}
		if w.ctx.Err() != nil {
			w.lost.Add(int64(n))
			return
		}
		ctx, cancel = context.WithTimeout(w.ctx, w.cfg.WriteTimeout)
		up := w.s.Ping(ctx) == nil
		cancel()
		if up {
			if refused++; refused >= w.cfg.Poison {
				w.failed.Add(int64(n))
				return
			}
		}
		w.retries.Add(1)
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
