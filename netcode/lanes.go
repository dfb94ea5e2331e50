package netcode

import "sync"

// Event is a reliable event as a room publishes it: encoded once and shared,
// read-only, by every recipient's queue.
type Event struct {
	Tick uint32
	Kind string
	// Data is the msgpack-encoded payload (nil = msgpack nil).
	Data []byte
}

// Snapshot is one tick's state as a room publishes it: encoded once and
// shared, read-only, by every recipient's slot.
type Snapshot struct {
	Tick uint32
	// ID tells snapshots apart, also two of one tick (two areas of
	// interest); a room numbers its snapshots from 1.
	ID uint64
	// Payload is the full state.
	Payload []byte
	// Policy, when set, lets the writer send the change from the last
	// snapshot it wrote on a connection instead of the full payload.
	Policy *DeltaPolicy

	cache deltaCache
}

// outgoing is one entry of the reliable lane: either a shared event with the
// recipient's seq, or a frame encoded for this recipient alone.
type outgoing struct {
	event *Event
	seq   uint32
	frame []byte
}

// reliableQueue is the bounded FIFO of the reliable lane. Policy when full:
// refuse, and the caller closes the connection as too slow; nothing already
// queued is dropped.
type reliableQueue struct {
	mu    sync.Mutex
	items []outgoing
	limit int
}

// push appends m and reports whether it fit.
func (q *reliableQueue) push(m outgoing) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) >= q.limit {
		return false
	}
	q.items = append(q.items, m)
	return true
}

// swap hands every queued item to the caller, in order, and takes spare as
// the queue's next backing array so that steady state does not allocate.
func (q *reliableQueue) swap(spare []outgoing) []outgoing {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = spare[:0]
	return items
}

// ReliableCapacity is how many reliable messages the connection queues
// before it is closed as too slow.
func (c *Conn) ReliableCapacity() int { return c.reliable.limit }

func (q *reliableQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// snapshotSlot is the volatile lane: it holds only the newest snapshot.
type snapshotSlot struct {
	mu      sync.Mutex
	snap    *Snapshot
	ack     uint32
	pending bool
}

// put stores s, replacing an unsent snapshot, and reports whether it did.
func (s *snapshotSlot) put(snap *Snapshot, ack uint32) (replaced bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	replaced = s.pending
	s.snap, s.ack, s.pending = snap, ack, true
	return replaced
}

// take returns the pending snapshot, if any, and empties the slot.
func (s *snapshotSlot) take() (*Snapshot, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pending {
		return nil, 0, false
	}
	s.pending = false
	return s.snap, s.ack, true
}

// peek returns the held snapshot's tick, sent or not; for tests and stats.
func (s *snapshotSlot) peek() (tick uint32, pending bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap == nil {
		return 0, false
	}
	return s.snap.Tick, s.pending
}
