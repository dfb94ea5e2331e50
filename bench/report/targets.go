package report

import (
	"fmt"
	"math"
)

// Arena targets on the reference machine (2 cores, bots on the same
// machine). They are reported, never asserted in tests. The CPU target is
// a ratio to the floor measured in the same run (Step.FloorRatio):
// absolute times vary from run to run on shared machines.
const (
	TargetArenaBots       = 2400
	TargetFloorRatio      = 1.4
	TargetWritesPerClient = 20.6 // one per tick at 20 Hz plus a ping every 2 s
	TargetBytesPerConn    = 20 << 10
	TargetAllocGrowth     = 1.2 // allocs per tick at the largest step over the smallest
	allocsReferenceRooms  = 25
)

// TargetFloorAtBots are the step sizes the floor ratio is judged at.
var TargetFloorAtBots = []int{1000, 2000}

// ArenaTargets judges the arena scenario's targets.
func ArenaTargets(r *Result) []Target {
	var ts []Target
	c := r.Capacity
	capTarget := Target{
		Name: "capacity",
		Want: fmt.Sprintf(">= %d bots", TargetArenaBots),
		Got:  fmt.Sprintf("%d bots", c.Bots),
		Held: c.Held && c.Bots >= TargetArenaBots,
	}
	if c.Held && c.Bounded && c.Bots < TargetArenaBots {
		capTarget.Note = "ramp stopped before a step failed"
	}
	ts = append(ts, capTarget)

	var floored []Step
	for _, s := range r.Steps {
		if s.Floor != nil {
			floored = append(floored, s)
		}
	}
	for _, n := range TargetFloorAtBots {
		if v, note, ok := atBots(floored, n, func(s *Step) float64 { return s.FloorRatio }); ok {
			ts = append(ts, Target{
				Name: fmt.Sprintf("server CPU per delivered snapshot over the floor at %d bots", n),
				Want: fmt.Sprintf("<= %.1fx", TargetFloorRatio),
				Got:  fmt.Sprintf("%.2fx", v),
				Held: v <= TargetFloorRatio,
				Note: note,
			})
		}
	}
	if s := largest(r.Steps); s != nil {
		if s.WritesPerClientPerSec > 0 {
			ts = append(ts, Target{
				Name: "write syscalls per client per second",
				Want: fmt.Sprintf("<= %.1f", TargetWritesPerClient),
				Got:  fmt.Sprintf("%.2f", s.WritesPerClientPerSec),
				Held: s.WritesPerClientPerSec <= TargetWritesPerClient,
				Note: fmt.Sprintf("at %d bots, every write(2) of the server process", s.Bots),
			})
		}
		ts = append(ts, Target{
			Name: "server memory per connected client",
			Want: fmt.Sprintf("<= %d KiB", TargetBytesPerConn>>10),
			Got:  fmt.Sprintf("%.1f KiB", s.RetainedPerConnBytes/1024),
			Held: s.RetainedPerConnBytes <= TargetBytesPerConn,
			Note: fmt.Sprintf("live heap + stacks above idle at %d connections, of which stacks %.1f KiB; heap in use (with garbage) + stacks %.1f KiB",
				int(s.Connections), s.StackPerConnBytes/1024, s.HeapStackPerConnBytes/1024),
		})
		if ref := allocReference(r.Steps); ref != nil && ref != s {
			growth := s.AllocsPerTick / math.Max(ref.AllocsPerTick, 1)
			ts = append(ts, Target{
				Name: "allocations per room tick flat in clients",
				Want: fmt.Sprintf("growth <= %.1fx", TargetAllocGrowth),
				Got:  fmt.Sprintf("%.0f -> %.0f (%.2fx)", ref.AllocsPerTick, s.AllocsPerTick, growth),
				Held: growth <= TargetAllocGrowth,
				Note: fmt.Sprintf("from %d to %d bots", ref.Bots, s.Bots),
			})
		}
	}
	return ts
}

// atBots returns f at n bots, interpolated linearly between the steps
// around n (or the nearest step when n is outside them).
func atBots(steps []Step, n int, f func(*Step) float64) (float64, string, bool) {
	if len(steps) == 0 {
		return 0, "", false
	}
	var below, above *Step
	for i := range steps {
		s := &steps[i]
		if s.Bots == n {
			return f(s), fmt.Sprintf("measured at %d bots", n), true
		}
		if s.Bots < n && (below == nil || s.Bots > below.Bots) {
			below = s
		}
		if s.Bots > n && (above == nil || s.Bots < above.Bots) {
			above = s
		}
	}
	switch {
	case below != nil && above != nil:
		t := float64(n-below.Bots) / float64(above.Bots-below.Bots)
		v := f(below) + t*(f(above)-f(below))
		return v, fmt.Sprintf("interpolated between %d and %d bots", below.Bots, above.Bots), true
	case below != nil:
		return f(below), fmt.Sprintf("largest step measured: %d bots", below.Bots), true
	default:
		return f(above), fmt.Sprintf("smallest step measured: %d bots", above.Bots), true
	}
}

// largest is the step with the most bots.
func largest(steps []Step) *Step {
	var l *Step
	for i := range steps {
		if l == nil || steps[i].Bots > l.Bots {
			l = &steps[i]
		}
	}
	return l
}

// allocReference is the smallest step with at least allocsReferenceRooms
// rooms (fewer rooms leave fixed costs, like timers and the scrape,
// undiluted), else the smallest step.
func allocReference(steps []Step) *Step {
	var ref, smallest *Step
	for i := range steps {
		s := &steps[i]
		if smallest == nil || s.Bots < smallest.Bots {
			smallest = s
		}
		if s.Rooms >= allocsReferenceRooms && (ref == nil || s.Bots < ref.Bots) {
			ref = s
		}
	}
	if ref == nil {
		return smallest
	}
	return ref
}
