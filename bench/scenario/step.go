package scenario

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/bench/report"
	"github.com/tickroom/tickroom/bench/scrape"
)

// stepRun is one load step: ramp, warm up, measure.
type stepRun struct {
	cfg   Config
	level report.ServiceLevel
	m     *meter
	base  *baseline
	swarm *bot.Swarm
	prof  *profiler // nil: no profiles
	index int
	rooms int
	bots  int
}

// window is what a step measured at the edges of its window.
type window struct {
	before        *bot.RoleTotals // before the ramp
	s0            *scrape.Sample  // before the ramp
	a, b          *scrape.Sample  // window start and end
	ta, tb        *bot.RoleTotals
	cpuA, cpuB    time.Duration // this process
	machA, machB  cpuTimes
	machOK        bool
	minHeapStack  float64
	rssEnd        float64
	scrapes       int // scrapes after a, up to and including b
	heapStackA    float64
	heapStackB    float64
	liveHeapA     float64
	connectionsA  float64
	goroutinesA   float64
	secondsWindow float64
	// The server's write system calls at the window's edges, when it is a
	// child.
	writesA, writesB float64
	writesOK         bool
}

func (r *stepRun) label() string {
	return fmt.Sprintf("%s step %d: %d rooms, %d bots", r.cfg.Scenario.Name, r.index+1, r.rooms, r.bots)
}

func (r *stepRun) run(ctx context.Context) (*report.Step, error) {
	p := r.cfg.Progress
	before := r.swarm.Totals()
	s0, err := r.m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	from := r.swarm.Started()
	err = r.swarm.Grow(ctx, r.bots, func(joined int) {
		p.Update("%s: joining %s %d/%d", r.label(), report.Bar(float64(joined), float64(r.bots-from), 20), from+joined, r.bots)
	})
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		step, err := r.measure(ctx, &window{before: before, s0: s0})
		if err != nil {
			return nil, err
		}
		step.Attempts = attempt
		if step.Held || !noisy(step) || attempt > r.cfg.Retries {
			return step, nil
		}
		p.Println(fmt.Sprintf("%s: failed while other work took %.2f cores and steal %.0f%%; measuring again (%d of %d)",
			r.label(), step.OtherCPUCores, step.StealPct, attempt, r.cfg.Retries))
	}
}

// noisy reports whether other work on the machine may explain a step's
// figures.
func noisy(s *report.Step) bool {
	return s.OtherCPUCores >= report.OtherWorkCores || s.StealPct >= report.StealPct
}

// measure warms up and measures one window.
func (r *stepRun) measure(ctx context.Context, w *window) (*report.Step, error) {
	sc := r.cfg.Scenario
	p := r.cfg.Progress
	var err error
	if err := r.wait(ctx, sc.Warmup, "warming up"); err != nil {
		return nil, err
	}
	if w.a, err = r.m.scrape(ctx); err != nil {
		return nil, err
	}
	w.ta, w.cpuA = r.swarm.Totals(), processCPU()
	w.machA, w.machOK = readCPUTimes()
	w.minHeapStack = heapStack(w.a)
	w.heapStackA = w.minHeapStack
	w.liveHeapA = liveHeap(w.a)
	w.connectionsA = w.a.Value("tickroom_connections")
	w.goroutinesA = w.a.Value("go_goroutines")
	if r.m.srv != nil {
		w.writesA, w.writesOK = procWrites(r.m.srv.PID())
	}
	end := w.a.At.Add(sc.Window)
	var cpuProfile func() (string, error)
	label := fmt.Sprintf("%drooms", r.rooms)
	if r.prof != nil {
		cpuProfile = r.prof.profileCPU(ctx, label, sc.Window)
		defer func() { // on an early return, still wait for the fetch
			if cpuProfile != nil {
				cpuProfile()
			}
		}()
	}
	for {
		next := time.Now().Add(r.cfg.ScrapeEvery)
		if next.After(end) {
			next = end
		}
		for now := time.Now(); now.Before(next); now = time.Now() {
			elapsed := now.Sub(w.a.At)
			p.Update("%s: measuring %s %.0fs/%.0fs", r.label(), report.Bar(elapsed.Seconds(), sc.Window.Seconds(), 20),
				elapsed.Seconds(), sc.Window.Seconds())
			if err := sleep(ctx, min(250*time.Millisecond, next.Sub(now))); err != nil {
				return nil, err
			}
		}
		s, err := r.m.scrape(ctx)
		if err != nil {
			return nil, err
		}
		w.scrapes++
		w.minHeapStack = min(w.minHeapStack, heapStack(s))
		w.b = s
		if !s.At.Before(end) {
			break
		}
	}
	w.tb, w.cpuB = r.swarm.Totals(), processCPU()
	if w.writesOK {
		w.writesB, w.writesOK = procWrites(r.m.srv.PID())
	}
	if mb, ok := readCPUTimes(); ok && w.machOK {
		w.machB = mb
	} else {
		w.machOK = false
	}
	w.rssEnd = r.m.rss()
	w.heapStackB = heapStack(w.b)
	w.secondsWindow = w.b.At.Sub(w.a.At).Seconds()
	step := r.figures(w)
	if r.prof != nil {
		// The heap profile is taken after the window's last scrape, and the
		// CPU profile ends with the window, so neither skews its figures.
		heap, herr := r.prof.profileHeap(ctx, label)
		cpu, cerr := cpuProfile()
		cpuProfile = nil
		if err := errors.Join(herr, cerr); err != nil {
			return nil, err
		}
		step.Profiles = []string{cpu, heap}
	}
	step.Held, step.Failures = r.level.Judge(step)
	return step, nil
}

// wait sleeps d, showing what for.
func (r *stepRun) wait(ctx context.Context, d time.Duration, what string) error {
	end := time.Now().Add(d)
	for now := time.Now(); now.Before(end); now = time.Now() {
		r.cfg.Progress.Update("%s: %s %.0fs/%.0fs", r.label(), what, d.Seconds()-end.Sub(now).Seconds(), d.Seconds())
		if err := sleep(ctx, min(250*time.Millisecond, end.Sub(now))); err != nil {
			return err
		}
	}
	return nil
}

// figures computes the step's figures from what the window measured.
func (r *stepRun) figures(w *window) *report.Step {
	sc := r.cfg.Scenario
	a, b, base := w.a, w.b, r.base
	secs := w.secondsWindow
	scrapes := float64(w.scrapes)
	s := &report.Step{
		Rooms: r.rooms, Bots: r.bots,
		Connections:   b.Value("tickroom_connections"),
		Players:       b.Value("tickroom_players", "state", "connected"),
		WindowSeconds: secs,
	}
	conns := math.Max(s.Connections, 1)

	// CPU, less the window's own scrapes.
	cpu := math.Max(delta(a, b, "process_cpu_seconds_total")-scrapes*base.scrapeCP, 0)
	s.ServerCPUSeconds = cpu
	s.ServerCPUCores = cpu / secs
	s.SnapshotsWritten = delta(a, b, "tickroom_snapshots_written_total")
	s.SnapshotsConflated = delta(a, b, "tickroom_snapshots_conflated_total")
	s.CPUPerSnapshotMicros = ratio(cpu*1e6, s.SnapshotsWritten)
	s.CPUPerClientTickMicros = ratio(cpu*1e6, float64(r.bots)*float64(sc.TickRate)*secs)
	s.ServerConflationPct = 100 * ratio(s.SnapshotsConflated, s.SnapshotsWritten+s.SnapshotsConflated)
	s.BotCPUCores = (w.cpuB - w.cpuA).Seconds() / secs
	s.BotCores = max(runtime.GOMAXPROCS(0), 1)
	s.LoadGeneratorSaturated = s.BotCPUCores >= 0.9*float64(s.BotCores)
	if w.machOK {
		// The whole machine's busy time, less the server's (with its
		// scrapes) and this process's, is other work.
		busy := (w.machB.busy - w.machA.busy) / userHZ
		serverAll := delta(a, b, "process_cpu_seconds_total")
		s.OtherCPUCores = math.Max(busy-serverAll-(w.cpuB-w.cpuA).Seconds(), 0) / secs
		total := (w.machB.busy + w.machB.idle + w.machB.steal) - (w.machA.busy + w.machA.idle + w.machA.steal)
		s.StealPct = 100 * ratio(w.machB.steal-w.machA.steal, total)
	}

	// Room ticks.
	stepH := b.Histogram("tickroom_room_step_seconds").Sub(a.Histogram("tickroom_room_step_seconds"))
	lateH := b.Histogram("tickroom_room_wake_lateness_seconds").Sub(a.Histogram("tickroom_room_wake_lateness_seconds"))
	s.RoomSteps = delta(a, b, "tickroom_room_steps_total")
	s.StepP50Millis = ms(stepH.Quantile(0.5))
	s.StepP99Millis = ms(stepH.Quantile(0.99))
	s.StepMaxMillis = ms(finiteMax(stepH))
	s.StepMeanMillis = ms(stepH.Mean())
	s.LateP99Millis = ms(lateH.Quantile(0.99))
	s.LateMaxMillis = ms(finiteMax(lateH))
	s.Overruns = delta(a, b, "tickroom_room_overruns_total")
	s.SkippedTicks = delta(a, b, "tickroom_room_skipped_ticks_total")
	s.CatchUpSteps = delta(a, b, "tickroom_room_catchup_steps_total")

	// The bots: latency and conflation over the window for the bots that
	// keep up; losses, disconnects and failed joins since the ramp began.
	win := w.tb.Sub(w.ta)
	whole := w.tb.Sub(w.before)
	keep, all, allWhole := win.KeepingUp(), win.All(), whole.All()
	lat := keep.Latency
	s.AckP50Millis = durMs(lat.Quantile(0.5))
	s.AckP99Millis = durMs(lat.Quantile(0.99))
	s.AckMaxMillis = durMs(lat.Max())
	s.AckSamples = lat.Count()
	s.Inputs = keep.Inputs
	s.SnapshotsDelivered = all.Snapshots
	s.DeltaPct = 100 * ratio(float64(all.Deltas), float64(all.Snapshots))
	s.BotTickGaps = keep.TickGaps
	s.BotConflationPct = 100 * keep.Conflation()
	s.Events = all.Events
	s.ReliableLost = allWhole.Lost
	s.Duplicated = allWhole.Duplicated
	s.Disconnects = allWhole.Disconnects
	s.DisconnectCodes = allWhole.Closes
	s.JoinFailed = allWhole.JoinFailed
	s.PlannedDrops = allWhole.Planned
	s.Resumed = allWhole.Resumed
	s.ResumeFailed = allWhole.ResumeFailed
	s.ServerErrors = allWhole.ServerErrors
	s.ServerCloses = make(map[string]float64)
	before, after := w.s0.ByLabel("tickroom_connections_closed_total", "code"), b.ByLabel("tickroom_connections_closed_total", "code")
	for code, v := range after {
		if d := v - before[code]; d > 0 {
			s.ServerCloses[code] = d
		}
	}
	if r.cfg.Scenario.Stallers+r.cfg.Scenario.Reconnecters > 0 {
		s.Roles = make(map[string]report.RoleFigures)
		for role := bot.Normal; role <= bot.Reconnecter; role++ {
			t, tw := win.Role(role), whole.Role(role)
			s.Roles[role.String()] = report.RoleFigures{
				Snapshots: t.Snapshots, ConflationPct: 100 * t.Conflation(), AckP99Millis: durMs(t.Latency.Quantile(0.99)),
				Events: t.Events, Lost: tw.Lost, Disconnects: tw.Disconnects, PlannedDrops: tw.Planned,
				Resumed: tw.Resumed, ResumeFailed: tw.ResumeFailed, Stalls: tw.Stalls,
			}
		}
	}

	// Bandwidth.
	s.BytesPerClientPerSec = delta(a, b, "tickroom_bytes_written_total") / conns / secs
	s.BytesPerSnapshot = ratio(delta(a, b, "tickroom_bytes_written_total"), s.SnapshotsWritten)
	if w.writesOK {
		s.WritesPerClientPerSec = (w.writesB - w.writesA) / conns / secs
	}
	s.SnapshotBytesMean = finite(b.Histogram("tickroom_snapshot_bytes").Sub(a.Histogram("tickroom_snapshot_bytes")).Mean())

	// Memory and goroutines.
	s.HeapStackBytes = w.minHeapStack
	s.HeapStackPerConnBytes = math.Max(w.minHeapStack-base.HeapStackBytes, 0) / conns
	s.StackPerConnBytes = math.Max(b.Value("go_memstats_stack_inuse_bytes")-base.stack, 0) / conns
	s.LiveHeapBytes = liveHeap(b)
	s.RetainedPerConnBytes = math.Max(s.LiveHeapBytes-base.LiveHeapBytes, 0)/conns + s.StackPerConnBytes
	if w.rssEnd > 0 {
		s.RSSBytes = w.rssEnd
		s.RSSPerConnBytes = math.Max(w.rssEnd-base.RSSBytes, 0) / conns
	}
	s.Goroutines = b.Value("go_goroutines")
	s.GoroutinesPerConn = math.Max(s.Goroutines-base.Goroutines, 0) / conns

	// Allocations and GC, less the window's own scrapes.
	mallocs := math.Max(delta(a, b, "go_memstats_mallocs_total")-scrapes*base.ScrapeMallocs, 0)
	allocB := math.Max(delta(a, b, "go_memstats_alloc_bytes_total")-scrapes*base.allocB, 0)
	s.AllocsPerTick = ratio(mallocs, s.RoomSteps)
	s.AllocsPerSnapshot = ratio(mallocs, s.SnapshotsWritten)
	s.AllocBytesPerTick = ratio(allocB, s.RoomSteps)
	ga, gb := a.Summary("go_gc_duration_seconds"), b.Summary("go_gc_duration_seconds")
	s.GCCycles = gb.Count - ga.Count
	s.GCPauseTotalMillis = ms(gb.Sum - ga.Sum)
	s.GCPauseMeanMillis = ms(ratio(gb.Sum-ga.Sum, s.GCCycles))
	s.GCPauseMaxMillis = ms(gb.Quantiles[1])

	s.Drift = &report.Drift{
		GoroutinesStart: w.goroutinesA, GoroutinesEnd: s.Goroutines,
		HeapStackStartBytes: w.heapStackA, HeapStackEndBytes: w.heapStackB,
		LiveHeapStartBytes: w.liveHeapA, LiveHeapEndBytes: s.LiveHeapBytes,
		ConnectionsStart: w.connectionsA, ConnectionsEnd: s.Connections,
	}
	return s
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return finite(a / b)
}

func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

func ms(seconds float64) float64 { return finite(seconds * 1e3) }

func durMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// finiteMax is the histogram's max, or its largest finite bound when an
// observation went past it.
func finiteMax(h scrape.Histogram) float64 {
	v := h.Max()
	if math.IsInf(v, 1) && len(h.Bounds) > 0 {
		return h.Bounds[len(h.Bounds)-1]
	}
	return finite(v)
}
