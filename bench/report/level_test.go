package report_test

import (
	"strings"
	"testing"

	"github.com/tickroom/tickroom/bench/report"
)

// good is a step that holds the arena service level with room to spare.
func good() report.Step {
	return report.Step{
		Rooms: 25, Bots: 200, RoomSteps: 5000, StepP99Millis: 0.7, AckP99Millis: 55,
		AckSamples: 1000, Inputs: 1000, SnapshotsDelivered: 40000, BotConflationPct: 0.1,
	}
}

func TestDefaultServiceLevel(t *testing.T) {
	t.Parallel()
	l := report.DefaultServiceLevel(20)
	if l.StepP99Millis != 5 || l.AckP99Millis != 100 || l.ConflationPct != 1 {
		t.Errorf("level at 20 Hz = %+v, want step 5 ms, ack 50+50 ms, conflation 1%%", l)
	}
	if got := report.DefaultServiceLevel(10).AckP99Millis; got != 150 {
		t.Errorf("ack limit at 10 Hz = %g ms, want 150", got)
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	level := report.DefaultServiceLevel(20)
	for _, c := range []struct {
		name  string
		edit  func(*report.Step)
		fails string // a word of the failure; "" holds
	}{
		{"holds", func(*report.Step) {}, ""},
		{"step p99 at the limit holds", func(s *report.Step) { s.StepP99Millis = 5 }, ""},
		{"step p99", func(s *report.Step) { s.StepP99Millis = 5.01 }, "room step p99"},
		{"ack p99 at the limit holds", func(s *report.Step) { s.AckP99Millis = 100 }, ""},
		{"ack p99", func(s *report.Step) { s.AckP99Millis = 100.5 }, "input-to-ack"},
		{"conflation", func(s *report.Step) { s.BotConflationPct = 1 }, "conflation"},
		{"reliable lost", func(s *report.Step) { s.ReliableLost = 1 }, "reliable"},
		{"disconnect", func(s *report.Step) {
			s.Disconnects = 2
			s.DisconnectCodes = map[string]uint64{"too_slow": 2}
		}, "too_slow"},
		{"failed join", func(s *report.Step) { s.JoinFailed = 1 }, "joins failed"},
		{"no snapshot", func(s *report.Step) { s.SnapshotsDelivered = 0 }, "no snapshot"},
		{"no ack", func(s *report.Step) { s.AckSamples, s.AckP99Millis = 0, 0 }, "no input acknowledged"},
		{"no tick", func(s *report.Step) { s.RoomSteps = 0 }, "no room step"},
		{"saturated bots noted", func(s *report.Step) {
			s.AckP99Millis = 300
			s.LoadGeneratorSaturated, s.BotCPUCores, s.BotCores = true, 0.95, 1
		}, "load generator"},
		{"steal noted", func(s *report.Step) {
			s.AckP99Millis = 300
			s.StealPct = 25
		}, "hypervisor"},
		{"other work noted", func(s *report.Step) {
			s.AckP99Millis = 300
			s.OtherCPUCores = 1.5
		}, "other work"},
	} {
		s := good()
		c.edit(&s)
		held, failures := level.Judge(&s)
		all := strings.Join(failures, "; ")
		switch {
		case c.fails == "" && !held:
			t.Errorf("%s: failed: %s", c.name, all)
		case c.fails != "" && held:
			t.Errorf("%s: held, want a failure about %q", c.name, c.fails)
		case c.fails != "" && !strings.Contains(all, c.fails):
			t.Errorf("%s: failures %q do not mention %q", c.name, all, c.fails)
		}
	}
	// A saturated load generator alone is no failure.
	s := good()
	s.LoadGeneratorSaturated = true
	if held, f := level.Judge(&s); !held {
		t.Errorf("saturated but within the level: failed %v", f)
	}
}

func TestSummarizeCapacity(t *testing.T) {
	t.Parallel()
	step := func(rooms int, held bool) report.Step {
		return report.Step{Rooms: rooms, Bots: rooms * 8, Held: held}
	}
	for _, c := range []struct {
		name  string
		steps []report.Step
		want  report.Capacity
	}{
		{"none", nil, report.Capacity{}},
		{"first fails", []report.Step{step(1, false)}, report.Capacity{}},
		{"third fails", []report.Step{step(1, true), step(25, true), step(50, false)}, report.Capacity{Rooms: 25, Bots: 200, Held: true}},
		{"all hold", []report.Step{step(1, true), step(25, true)}, report.Capacity{Rooms: 25, Bots: 200, Held: true, Bounded: true}},
	} {
		r := &report.Result{Steps: c.steps}
		r.Summarize()
		if r.Capacity != c.want {
			t.Errorf("%s: capacity %+v, want %+v", c.name, r.Capacity, c.want)
		}
	}
}
