package report

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/tickroom/tickroom/bench/bot"
)

// WriteSwarmSummary writes what a swarm's bots measured over elapsed:
// joins, snapshots and conflation, input-to-ack latency, reliable events
// lost, disconnects by close code, and a line per role when there is more
// than one.
func WriteSwarmSummary(w io.Writer, t *bot.RoleTotals, started int, elapsed time.Duration) {
	all := t.All()
	keep := t.KeepingUp()
	secs := max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "bots:        %d started, %d joined, %d failed to join; %v\n",
		started, all.Joined, all.JoinFailed, elapsed.Round(time.Millisecond))
	perBot := 0.0
	if all.Joined > 0 {
		perBot = float64(all.Snapshots) / float64(all.Joined) / secs
	}
	fmt.Fprintf(w, "snapshots:   %d received (%.1f/s per bot), %d ticks missed (%.3f%% conflated, bots that keep up)\n",
		all.Snapshots, perBot, keep.TickGaps, 100*keep.Conflation())
	lat := keep.Latency
	fmt.Fprintf(w, "input-ack:   %d inputs, %d acked, p50 %.1f ms, p99 %.1f ms, max %.0f ms\n",
		keep.Inputs, keep.Acked, durMillis(lat.Quantile(0.5)), durMillis(lat.Quantile(0.99)), durMillis(lat.Max()))
	fmt.Fprintf(w, "reliable:    %d events, %d lost, %d duplicated\n", all.Events, all.Lost, all.Duplicated)
	fmt.Fprintf(w, "disconnects: %d unplanned%s; %d planned drops, %d resumed, %d resumes refused\n",
		all.Disconnects, codes(all.Closes), all.Planned, all.Resumed, all.ResumeFailed)
	if all.ServerErrors > 0 || all.BadSnapshots > 0 {
		fmt.Fprintf(w, "errors:      %d error messages from the server, %d snapshots that did not decode\n", all.ServerErrors, all.BadSnapshots)
	}
	roles := 0
	for r := bot.Normal; r <= bot.Reconnecter; r++ {
		if t.Role(r).Joined > 0 {
			roles++
		}
	}
	if roles < 2 {
		return
	}
	for r := bot.Normal; r <= bot.Reconnecter; r++ {
		x := t.Role(r)
		if x.Joined == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-11s %5d bots, %d snapshots, %.3f%% conflated, ack p99 %.1f ms, %d lost, %d disconnects, %d planned drops, %d stalls, %d resumed\n",
			r.String()+":", x.Joined, x.Snapshots, 100*x.Conflation(), durMillis(x.Latency.Quantile(0.99)),
			x.Lost, x.Disconnects, x.Planned, x.Stalls, x.Resumed)
	}
}

func durMillis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// codes formats close codes as " (ping_timeout 1, too_slow 2)", or "".
func codes(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := " ("
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	return s + ")"
}
