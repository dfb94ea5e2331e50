package report

import (
	"fmt"
	"io"
	"strings"
)

// tableHeader names the columns of the table; tableWidths are their
// widths, fixed so that rows printed one at a time line up. KiB/conn is
// the memory a connection retains (live heap and stacks).
var (
	tableHeader = []string{
		"rooms", "bots", "srv cpu", "us/snap", "step p50/p99/max ms", "late p99", "ack p50/p99 ms",
		"confl %", "lost", "disc", "B/client/s", "KiB/conn", "gor/conn", "allocs/tick", "bot cpu", "held",
	}
	tableWidths = []int{5, 6, 7, 7, 20, 8, 14, 7, 4, 4, 10, 8, 8, 11, 7, 4}
)

// Header is the table's header line.
func Header() string { return line(tableHeader) }

// FormatRow is one step's line of the table.
func FormatRow(s *Step) string { return line(Row(s)) }

func line(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%*s", tableWidths[i], c)
	}
	return b.String()
}

// WriteTable writes the steps as an aligned table.
func WriteTable(w io.Writer, steps []Step) error {
	if _, err := fmt.Fprintln(w, Header()); err != nil {
		return err
	}
	for i := range steps {
		if _, err := fmt.Fprintln(w, FormatRow(&steps[i])); err != nil {
			return err
		}
	}
	return nil
}

// Row is one step's cells, as WriteTable shows them.
func Row(s *Step) []string {
	held := "yes"
	if !s.Held {
		held = "NO"
	}
	sat := ""
	if s.LoadGeneratorSaturated {
		sat = "!"
	}
	return []string{
		fmt.Sprint(s.Rooms),
		fmt.Sprint(s.Bots),
		fmt.Sprintf("%.2f", s.ServerCPUCores),
		fmt.Sprintf("%.1f", s.CPUPerSnapshotMicros),
		fmt.Sprintf("%.3f/%.3f/%.2f", s.StepP50Millis, s.StepP99Millis, s.StepMaxMillis),
		fmt.Sprintf("%.2f", s.LateP99Millis),
		fmt.Sprintf("%.1f/%.1f", s.AckP50Millis, s.AckP99Millis),
		fmt.Sprintf("%.2f", s.BotConflationPct),
		fmt.Sprint(s.ReliableLost),
		fmt.Sprint(s.Disconnects + s.JoinFailed),
		fmt.Sprintf("%.0f", s.BytesPerClientPerSec),
		fmt.Sprintf("%.1f", s.RetainedPerConnBytes/1024),
		fmt.Sprintf("%.2f", s.GoroutinesPerConn),
		fmt.Sprintf("%.0f", s.AllocsPerTick),
		fmt.Sprintf("%.2f%s", s.BotCPUCores, sat),
		held,
	}
}

// WriteSummary writes the capacity, the targets and why the last step
// failed.
func WriteSummary(w io.Writer, r *Result) {
	c := r.Capacity
	switch {
	case !c.Held:
		fmt.Fprintf(w, "capacity: no step held the service level\n")
	case c.Bounded:
		fmt.Fprintf(w, "capacity: at least %d rooms, %d bots (every step held; %s)\n", c.Rooms, c.Bots, r.Stopped)
	default:
		fmt.Fprintf(w, "capacity: %d rooms, %d bots\n", c.Rooms, c.Bots)
	}
	for _, s := range r.Steps {
		if !s.Held {
			fmt.Fprintf(w, "step %d rooms / %d bots failed: %s\n", s.Rooms, s.Bots, strings.Join(s.Failures, "; "))
		}
	}
	for _, t := range r.Targets {
		mark := "held"
		if !t.Held {
			mark = "NOT HELD"
		}
		fmt.Fprintf(w, "target %-40s want %-12s got %-14s %s", t.Name, t.Want, t.Got, mark)
		if t.Note != "" {
			fmt.Fprintf(w, " (%s)", t.Note)
		}
		fmt.Fprintln(w)
	}
}
