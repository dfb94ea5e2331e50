package lobby

import (
	"testing"
	"time"
)

func TestScheduleOnTime(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	dt := 50 * time.Millisecond
	s := newSchedule(start, dt, 3)
	for n := int64(1); n <= 100; n++ {
		if got, want := s.deadline(), start.Add(time.Duration(n)*dt); !got.Equal(want) {
			t.Fatalf("tick %d deadline %v, want %v", n, got, want)
		}
		steps, skipped, late := s.advance(s.deadline().Add(time.Millisecond))
		if steps != 1 || skipped != 0 || late != time.Millisecond {
			t.Fatalf("tick %d: steps %d skipped %d late %v, want 1 0 1ms", n, steps, skipped, late)
		}
	}
}

func TestScheduleEarlyWakeRunsNothing(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	s := newSchedule(start, 50*time.Millisecond, 3)
	if steps, skipped, _ := s.advance(start.Add(49 * time.Millisecond)); steps != 0 || skipped != 0 {
		t.Fatalf("early wake: steps %d skipped %d, want 0 0", steps, skipped)
	}
}

func TestScheduleStallCatchesUpThenSkips(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	dt := 50 * time.Millisecond
	for _, tc := range []struct {
		name             string
		maxCatchUp       int
		wake             time.Duration
		steps, skipped   int64
		nextDeadlineTick int64
	}{
		{"two due", 3, 2*dt + time.Millisecond, 2, 0, 3},
		{"within catch-up", 3, 4 * dt, 4, 0, 5},
		{"past catch-up", 3, 10*dt + 10*time.Millisecond, 4, 6, 11},
		{"no catch-up", 0, 10 * dt, 1, 9, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSchedule(start, dt, tc.maxCatchUp)
			steps, skipped, _ := s.advance(start.Add(tc.wake))
			if steps != tc.steps || skipped != tc.skipped {
				t.Fatalf("steps %d skipped %d, want %d %d", steps, skipped, tc.steps, tc.skipped)
			}
			if got, want := s.deadline(), start.Add(time.Duration(tc.nextDeadlineTick)*dt); !got.Equal(want) {
				t.Fatalf("next deadline %v, want %v (the schedule must not drift)", got, want)
			}
		})
	}
}

// TestPhaseStart: a room's schedule starts on its phase of the shared
// grid, at or before the wake-up and less than one period before it, so
// that rooms of one phase tick together and the first tick is due within
// a period.
func TestPhaseStart(t *testing.T) {
	t.Parallel()
	dt := 50 * time.Millisecond
	base := time.Unix(1_700_000_000, 0) // on the grid
	for _, tc := range []struct {
		wake          time.Duration // after base
		phase, phases int
		want          time.Duration // after base
	}{
		{0, 0, 4, 0},
		{7 * time.Millisecond, 0, 4, 0},
		{49 * time.Millisecond, 0, 4, 0},
		{50 * time.Millisecond, 0, 4, 50 * time.Millisecond},
		{7 * time.Millisecond, 1, 4, -37500 * time.Microsecond}, // phase 1 is 12.5 ms in
		{13 * time.Millisecond, 1, 4, 12500 * time.Microsecond},
		{40 * time.Millisecond, 3, 4, 37500 * time.Microsecond},
		{7 * time.Millisecond, 5, 4, -37500 * time.Microsecond}, // phase taken mod phases
		{7 * time.Millisecond, 0, 0, 7 * time.Millisecond},      // no phases: the wake-up itself
		{7 * time.Millisecond, 0, -1, 7 * time.Millisecond},
	} {
		got := phaseStart(base.Add(tc.wake), dt, tc.phase, tc.phases).Sub(base)
		if got != tc.want {
			t.Errorf("wake +%v, phase %d of %d: start %v, want %v", tc.wake, tc.phase, tc.phases, got, tc.want)
		}
	}
	// Two rooms of one phase that wake apart tick at the same instants.
	a := newSchedule(phaseStart(base.Add(3*time.Millisecond), dt, 2, 4), dt, 0)
	b := newSchedule(phaseStart(base.Add(31*time.Millisecond), dt, 2, 4), dt, 0)
	if a.deadline().Sub(base)%dt != b.deadline().Sub(base)%dt {
		t.Errorf("deadlines %v and %v are on different phases", a.deadline().Sub(base), b.deadline().Sub(base))
	}
	// The monotonic reading is kept: Sub against a later time.Now uses it.
	now := time.Now()
	if s := phaseStart(now, dt, 1, 4); s.After(now) || now.Sub(s) >= dt || s.String() == s.Round(0).String() {
		t.Errorf("start %v from now %v: not within one period before, or no monotonic reading", s, now)
	}
}
