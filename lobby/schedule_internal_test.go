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
