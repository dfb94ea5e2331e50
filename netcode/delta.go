package netcode

import "sync"

// DeltaFunc appends to dst the change from snapshot payload base to cur
// (see game.Type.Delta). It runs on writer goroutines, concurrently.
type DeltaFunc func(dst, base, cur []byte) ([]byte, error)

// Deltas is how a room's snapshots may be sent as deltas. One value is
// shared, read-only, by all the snapshots of a room.
type Deltas struct {
	Func DeltaFunc
	// MaxAge is the oldest base, in ticks, a delta is taken against: past
	// it a delta is rarely smaller than the full state, and the writer
	// sends the full state instead.
	MaxAge uint32
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

// deltaFrom returns the delta from base to s, and false when the full
// payload should go instead (no delta function, base too old, delta not
// smaller, or the game could not take it).
func (s *Snapshot) deltaFrom(base *Snapshot) ([]byte, bool) {
	d := s.Deltas
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
	// one computation instead of racing to do it.
	delta, err := d.Func(nil, base.Payload, s.Payload)
	if err != nil || len(delta) >= len(s.Payload) {
		delta = nil
	}
	c.entries = append(c.entries, deltaEntry{base: base.ID, bytes: delta})
	return delta, delta != nil
}
