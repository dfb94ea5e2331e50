package lobby

import "time"

// schedule is the room's deadline loop arithmetic, kept apart from timers so
// that it can be tested without a clock. Tick n is due at start + n*dt.
// A room that wakes late runs the ticks that are due, up to maxCatchUp more
// than the one it woke for, and skips (and counts) the rest rather than
// trying to catch up without end after a stall.
type schedule struct {
	start      time.Time
	dt         time.Duration
	next       int64 // the next tick number to run
	maxCatchUp int64
}

func newSchedule(start time.Time, dt time.Duration, maxCatchUp int) *schedule {
	return &schedule{start: start, dt: dt, next: 1, maxCatchUp: int64(maxCatchUp)}
}

// deadline is when the next tick is due.
func (s *schedule) deadline() time.Time {
	return s.start.Add(time.Duration(s.next) * s.dt)
}

// advance says what to do at now: how many steps to run, how many due ticks
// to skip, and how late the wake-up was against the next tick's deadline.
func (s *schedule) advance(now time.Time) (steps, skipped int64, lateness time.Duration) {
	elapsed := now.Sub(s.start)
	due := int64(elapsed/s.dt) - s.next + 1
	if due <= 0 {
		return 0, 0, 0
	}
	lateness = elapsed - time.Duration(s.next)*s.dt
	steps = min(due, 1+s.maxCatchUp)
	skipped = due - steps
	s.next += due
	return steps, skipped, lateness
}

// phaseStart is where a room's schedule starts when it wakes at now: the
// latest instant at or before now on its phase of the shared grid (a whole
// number of dt since the Unix epoch, plus phase/phases of dt). The first
// tick is then due within one dt, as from now, and the rooms of a phase
// tick together. It keeps now's monotonic reading. phases <= 0: now.
func phaseStart(now time.Time, dt time.Duration, phase, phases int) time.Time {
	if phases <= 0 || dt <= 0 {
		return now
	}
	off := dt * time.Duration(phase%phases) / time.Duration(phases)
	back := (time.Duration(now.UnixNano()) - off) % dt
	if back < 0 {
		back += dt
	}
	return now.Add(-back)
}
