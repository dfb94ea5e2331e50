package netcode

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// DeltaFunc appends to dst the change from snapshot payload base to cur
// (see game.Type.Delta). It runs on writer goroutines, concurrently. A
// panic in it is recovered and counted (DeltaPolicy.Panics), and the full
// payload goes instead.
type DeltaFunc func(dst, base, cur []byte) ([]byte, error)

// DeltaPolicy is how a room's snapshots may be sent as deltas. One value is
// shared by all the snapshots of a room; its fields are read-only once it
// is in use.
type DeltaPolicy struct {
	Func DeltaFunc
	// MaxAge is the oldest base, in ticks, a delta is taken against: past
	// it a delta is rarely smaller than the full state, and the writer
	// sends the full state instead.
	MaxAge uint32

	panics atomic.Uint64
}

// Panics returns how many times Func panicked.
func (d *DeltaPolicy) Panics() uint64 { return d.panics.Load() }

// take calls Func. A panic there would be on a connection's writer
// goroutine, where nothing recovers it and it would end the process, all
// rooms with it: it fails the delta instead.
func (d *DeltaPolicy) take(base, cur []byte) (delta []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			d.panics.Add(1)
			delta, err = nil, fmt.Errorf("netcode: delta function panicked: %v", p)
		}
	}()
	return d.Func(nil, base, cur)
}

// deltaCache holds the deltas taken from one snapshot's payload to the
// others' that writers asked for, so that connections sharing a base share
// the bytes and the work. Entries key on the base's ID, not a pointer, so
// that a snapshot never keeps older ones alive.
type deltaCache struct {
	mu      sync.Mutex
	entries []deltaEntry
}

type deltaEntry struct {
	base  uint64
	bytes []byte // nil: the delta was no smaller than the full state
}

// PrepareDelta takes the delta from base to s now, on the caller's
// goroutine, so that the writers find it made. A room calls it right after
// encoding s, while s and its state are in the core's cache; left to the
// first writer that needs it, the same work runs against memory the room's
// other work has long evicted, several times slower. It does nothing when
// s allows no delta from base.
func (s *Snapshot) PrepareDelta(base *Snapshot) { s.deltaFrom(base) }

// deltaFrom returns the delta from base to s, and false when the full
// payload should go instead (no delta function, base too old, delta not
// smaller, or the game could not take it, by an error or a panic).
func (s *Snapshot) deltaFrom(base *Snapshot) ([]byte, bool) {
	d := s.Policy
	if d == nil || d.Func == nil || base == nil || base.Tick >= s.Tick || s.Tick-base.Tick > d.MaxAge {
		return nil, false
	}
	c := &s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.base == base.ID {
			return e.bytes, e.bytes != nil
		}
	}
	// Computing under the lock makes writers with the same base wait for
	// one computation instead of racing to do it. take recovers a panic,
	// so the lock is released as usual; a failure is cached like a delta
	// that was too big, and the other writers with this base send the
	// full payload without calling Func again.
	delta, err := d.take(base.Payload, s.Payload)
	if err != nil || len(delta) >= len(s.Payload) {
		delta = nil
	}
	c.entries = append(c.entries, deltaEntry{base: base.ID, bytes: delta})
	return delta, delta != nil
}
