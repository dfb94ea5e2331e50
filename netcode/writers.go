package netcode

import (
	"runtime"
	"sync"
)

// Writers is the small fixed set of goroutines that write every
// connection's frames, in place of a writer goroutine per connection. A
// connection with something to send (a room published a snapshot, an event
// was queued, a ping fell due) puts itself once in its shard's queue; the
// shard's goroutine takes the whole queue at a time and, for each
// connection, frames everything pending into one buffer and leaves it in
// one write(2) that never waits. A connection whose socket buffer is full
// moves to a slow path of its own (Conn.drain), so that it never holds up
// the shard, its room or the other connections.
//
// One shard per CPU: each is a loop of non-blocking writes, so more would
// only contend, and fewer would leave a core idle while another writes.
type Writers struct {
	shards []*shard
	next   uint64 // round-robin assignment; under mu
	mu     sync.Mutex
	wg     sync.WaitGroup
}

// shard is one writer goroutine and its queue. The queue is bounded by the
// number of connections: a connection is in it at most once (Conn.queued).
type shard struct {
	mu     sync.Mutex
	queue  []*Conn
	spare  []*Conn
	closed bool
	wake   chan struct{} // 1-buffered: a wake-up is pending
	buf    []byte        // the frames of one connection, reused
}

// NewWriters starts n writer goroutines; n <= 0 means one per CPU
// (GOMAXPROCS). Close stops them.
func NewWriters(n int) *Writers {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	w := &Writers{}
	for range n {
		s := &shard{wake: make(chan struct{}, 1), buf: make([]byte, 0, 4096)}
		w.shards = append(w.shards, s)
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			s.run()
		}()
	}
	return w
}

// Close stops the writers once their queues are empty and waits for them.
// Connections must have ended first.
func (w *Writers) Close() {
	for _, s := range w.shards {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.signal()
	}
	w.wg.Wait()
}

// assign picks the shard of a new connection.
func (w *Writers) assign() *shard {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.shards[w.next%uint64(len(w.shards))]
	w.next++
	return s
}

func (s *shard) push(c *Conn) {
	s.mu.Lock()
	s.queue = append(s.queue, c)
	s.mu.Unlock()
	s.signal()
}

func (s *shard) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *shard) run() {
	for range s.wake {
		s.mu.Lock()
		batch, closed := s.queue, s.closed
		s.queue = s.spare[:0]
		s.mu.Unlock()
		for i, c := range batch {
			// Cleared before the flush: whatever is queued from now on
			// brings the connection back.
			c.queued.Store(false)
			s.buf = c.flushNow(s.buf[:0])
			batch[i] = nil
		}
		s.spare = batch
		if closed {
			return
		}
	}
}
