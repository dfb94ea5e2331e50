package lobby

import (
	"sync"
	"time"
)

// RoomStats is a room's state and tick health. The room goroutine keeps
// it, and publishes a copy after every tick and every change of members;
// Stats, the registry entry, quick play, the admin view and the metrics
// all read that copy, so that a new counter is one field here, set where
// it happens (and shown where it is wanted).
type RoomStats struct {
	Tick uint32 `json:"tick"`
	// Players counts seats taken by players, connected or away; Away those
	// away within their grace period.
	Players    int `json:"players"`
	Away       int `json:"away"`
	Spectators int `json:"spectators"`
	// Reserved counts seats held by unused reservations.
	Reserved            int    `json:"reserved"`
	Locked              bool   `json:"locked"`
	ReservationsExpired uint64 `json:"reservationsExpired"`
	// Steps counts game steps; CatchUpSteps those run beyond the first at
	// one wake-up; SkippedTicks the due ticks that were not run.
	Steps        uint64 `json:"steps"`
	CatchUpSteps uint64 `json:"catchUpSteps"`
	SkippedTicks uint64 `json:"skippedTicks"`
	// Overruns counts steps (with encode and publish) longer than a tick.
	Overruns uint64 `json:"overruns"`
	// SnapshotsEncoded counts snapshot encodings: one per step, whatever
	// the number of members (one per distinct view with area of interest).
	SnapshotsEncoded uint64 `json:"snapshotsEncoded"`
	SnapshotBytes    int    `json:"snapshotBytes"`
	// The durations go to JSON in nanoseconds.
	MaxLateness time.Duration `json:"maxLatenessNs"`
	MaxStep     time.Duration `json:"maxStepNs"`
	LastStep    time.Duration `json:"lastStepNs"`
}

// add sums the counters of s into t, for the totals of ended rooms.
func (t *RoomStats) add(s RoomStats) {
	t.ReservationsExpired += s.ReservationsExpired
	t.Steps += s.Steps
	t.CatchUpSteps += s.CatchUpSteps
	t.SkippedTicks += s.SkippedTicks
	t.Overruns += s.Overruns
	t.SnapshotsEncoded += s.SnapshotsEncoded
}

// shownStats is the published copy of a room's stats.
type shownStats struct {
	mu sync.Mutex
	s  RoomStats
}

func (x *shownStats) store(s *RoomStats) {
	x.mu.Lock()
	x.s = *s
	x.mu.Unlock()
}

func (x *shownStats) load() RoomStats {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.s
}
