package report

import (
	"fmt"
	"time"
)

// ServiceLevel is docs/snake.md's "held": over the measured window, room
// step p99 at most StepP99, input-to-acknowledgement p99 at most AckP99 (50
// ms plus one tick), snapshots lost to conflation below Conflation for the
// bots that keep up, no reliable message lost, no bot disconnected.
type ServiceLevel struct {
	StepP99Millis float64 `json:"step_p99_max_ms"`
	AckP99Millis  float64 `json:"ack_p99_max_ms"`
	ConflationPct float64 `json:"conflation_below_pct"`
}

// DefaultServiceLevel is the service level at a tick rate.
func DefaultServiceLevel(tickRate int) ServiceLevel {
	tick := time.Second / time.Duration(max(tickRate, 1))
	return ServiceLevel{
		StepP99Millis: 5,
		AckP99Millis:  millis(50*time.Millisecond + tick),
		ConflationPct: 1,
	}
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// OtherWorkCores and StealPct are how much CPU other processes, and the
// hypervisor for other guests, may take during a window before the report
// says that they may explain a failure.
const (
	OtherWorkCores = 0.25
	StealPct       = 10
)

// Judge reports whether s held the service level, and why not.
func (l ServiceLevel) Judge(s *Step) (held bool, failures []string) {
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	if s.RoomSteps == 0 {
		fail("no room step in the window")
	}
	if s.StepP99Millis > l.StepP99Millis {
		fail("room step p99 %.2f ms > %.0f ms", s.StepP99Millis, l.StepP99Millis)
	}
	if s.AckSamples == 0 && s.Inputs > 0 {
		fail("no input acknowledged")
	}
	if s.AckP99Millis > l.AckP99Millis {
		fail("input-to-ack p99 %.1f ms > %.0f ms", s.AckP99Millis, l.AckP99Millis)
	}
	if s.BotConflationPct >= l.ConflationPct {
		fail("conflation %.2f%% >= %.0f%%", s.BotConflationPct, l.ConflationPct)
	}
	if s.ReliableLost > 0 {
		fail("%d reliable messages lost", s.ReliableLost)
	}
	if s.Disconnects > 0 {
		fail("%d bots disconnected %v", s.Disconnects, s.DisconnectCodes)
	}
	if s.JoinFailed > 0 {
		fail("%d joins failed", s.JoinFailed)
	}
	if s.SnapshotsDelivered == 0 {
		fail("no snapshot delivered")
	}
	if len(failures) > 0 && s.LoadGeneratorSaturated {
		fail("the bots' process was saturated (%.2f of %d cores): the failure may be the load generator's", s.BotCPUCores, s.BotCores)
	}
	if len(failures) > 0 && s.OtherCPUCores >= OtherWorkCores {
		fail("other work on the machine took %.2f cores: the failure may be theirs", s.OtherCPUCores)
	}
	if len(failures) > 0 && s.StealPct >= StealPct {
		fail("the hypervisor gave %.0f%% of the CPU time to other guests: the failure may be theirs", s.StealPct)
	}
	return len(failures) == 0, failures
}

// Summarize sets the capacity from the steps: the largest that held.
func (r *Result) Summarize() {
	r.Capacity = Capacity{}
	for _, s := range r.Steps {
		if s.Held && s.Bots >= r.Capacity.Bots {
			r.Capacity = Capacity{Rooms: s.Rooms, Bots: s.Bots, Held: true}
		}
	}
	if n := len(r.Steps); n > 0 && r.Steps[n-1].Held {
		r.Capacity.Bounded = true
	}
}
