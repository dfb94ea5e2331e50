package lobby

import "time"

// RoomStats are a room's counters and tick health.
type RoomStats struct {
	Tick uint32
	// Players counts seats taken by players, connected or away; Away those
	// away within their grace period.
	Players    int
	Away       int
	Spectators int
	// Reserved counts seats held by unused reservations.
	Reserved            int
	Locked              bool
	ReservationsExpired uint64
	// Steps counts game steps; CatchUpSteps those run beyond the first at
	// one wake-up; SkippedTicks the due ticks that were not run.
	Steps        uint64
	CatchUpSteps uint64
	SkippedTicks uint64
	// Overruns counts steps (with encode and publish) longer than a tick.
	Overruns uint64
	// SnapshotsEncoded counts snapshot encodings: one per step, whatever
	// the number of members.
	SnapshotsEncoded uint64
	SnapshotBytes    int
	MaxLateness      time.Duration
	MaxStep          time.Duration
	LastStep         time.Duration
}
