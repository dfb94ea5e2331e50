package scenario

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/bench/report"
	"github.com/tickroom/tickroom/bench/scrape"
)

// Defaults of Config.
const (
	DefaultMaxBots     = 10000
	DefaultScrapeEvery = 2 * time.Second
)

// Config configures Run.
type Config struct {
	Scenario Scenario
	// URL is a running server's WebSocket endpoint (ws://host:port/ws).
	// Empty starts a server: ServerCommand (the tickroom binary and
	// "serve") with the scenario's flags and then ServerArgs.
	URL           string
	ServerCommand []string
	ServerArgs    []string
	// Pin runs the server on CPU 0 and this process on CPU 1.
	Pin bool
	// MaxBots ends the ramp before a step with more bots.
	MaxBots  int
	Join     bot.JoinMode
	JoinRate float64
	Seed     uint64
	// Behaviour times the stallers' and reconnecters' drops.
	Behaviour bot.Behaviour
	// ScrapeEvery is how often the window samples the server's memory.
	ScrapeEvery time.Duration
	// Level overrides the service level; nil takes the default at the
	// scenario's tick rate.
	Level *report.ServiceLevel
	// Command is recorded in the result.
	Command string
	// Progress, if set, shows progress and each step's row as it ends.
	Progress *report.Progress
	// Retries is how many times a step that failed while other work took
	// the machine (report.OtherWorkCores, report.StealPct) is measured
	// again, without ramping again.
	Retries int
	// ProfileDir, when set and the benchmark starts the server, records
	// the server's CPU profile over each window and its heap profile at
	// the end, into this directory (tickroom serve --pprof).
	ProfileDir string
	// FloorCommand, when set and the benchmark starts the server, is the
	// tickroom binary and "floor": after the ramp, with the bots gone, it
	// measures each step's floor (MeasureFloor) with the same pinning.
	FloorCommand []string
	// ShareStates makes the bots of one room decode each state once
	// between them (bot.States); the server's load is the same.
	ShareStates bool
	// Transport is how the bots read (bot.Transport); empty is the
	// platform's default.
	Transport bot.Transport
}

const memoryMethod = "go_memstats_heap_inuse_bytes + go_memstats_stack_inuse_bytes from /metrics " +
	"(lowest sample of the window, to leave out garbage awaiting the next GC) minus the idle baseline, " +
	"per open connection; RSS from /proc/PID/status (end of window, minus idle) when the server is a child"

// Run runs the scenario and returns its result. When ctx ends (SIGINT) it
// returns what it measured so far, with the context's error.
func Run(ctx context.Context, cfg Config) (*report.Result, error) {
	sc := cfg.Scenario
	if cfg.MaxBots <= 0 {
		cfg.MaxBots = DefaultMaxBots
	}
	if cfg.ScrapeEvery <= 0 {
		cfg.ScrapeEvery = DefaultScrapeEvery
	}
	if cfg.Join == "" {
		cfg.Join = bot.JoinMatchmake
	}
	if cfg.JoinRate <= 0 {
		cfg.JoinRate = bot.DefaultJoinRate
	}
	level := report.DefaultServiceLevel(sc.TickRate)
	if cfg.Level != nil {
		level = *cfg.Level
	}
	res := &report.Result{
		Scenario: sc.Name,
		Started:  time.Now().UTC(),
		Command:  cfg.Command,
		Machine:  Machine(),
		Level:    level,
		Settings: report.Settings{
			Board: [2]int{sc.Width, sc.Height}, Food: sc.Food, PlayersPerRoom: sc.PlayersPerRoom,
			TickRate: sc.TickRate, StepsRooms: sc.Steps, Warmup: report.Duration(sc.Warmup),
			Window: report.Duration(sc.Window), MaxBots: cfg.MaxBots, JoinMode: string(cfg.Join),
			JoinRate: cfg.JoinRate, Seed: cfg.Seed, Stallers: sc.Stallers, Reconnecters: sc.Reconnecters,
			Deltas:      sc.Deltas,
			ScrapeEvery: report.Duration(cfg.ScrapeEvery), MemoryMethod: memoryMethod,
		},
	}
	begin := time.Now()
	err := run(ctx, cfg, level, res)
	if err != nil && ctx.Err() != nil {
		res.Stopped = "interrupted"
	}
	res.Seconds = time.Since(begin).Seconds()
	res.Machine.LoadAfter = LoadAvg()
	res.Summarize()
	if sc.Name == Arena.Name {
		res.Targets = report.ArenaTargets(res)
	}
	return res, err
}

func run(ctx context.Context, cfg Config, level report.ServiceLevel, res *report.Result) error {
	sc := cfg.Scenario
	res.Machine.Pinning = "none"
	if cfg.Pin {
		if err := PinSelf(1); err != nil {
			return err
		}
		res.Machine.Pinning = "server on CPU 0 (taskset -c 0), bots on CPU 1 (sched_setaffinity on every thread, GOMAXPROCS=1)"
		res.Machine.BenchGOMAXPROCS = runtime.GOMAXPROCS(0)
	}
	wsURL := cfg.URL
	var srv *Server
	var prof *profiler
	if wsURL == "" {
		if len(cfg.ServerCommand) == 0 {
			return errors.New("scenario: no server URL and no server command")
		}
		args := append(sc.ServerArgs(cfg.MaxBots), cfg.ServerArgs...)
		var pprofAddr string
		if cfg.ProfileDir != "" {
			var err error
			if pprofAddr, err = freeAddr(); err != nil {
				return err
			}
			args = append(args, "--pprof", pprofAddr)
		}
		var err error
		if srv, err = StartServer(ctx, cfg.ServerCommand, args, cfg.Pin); err != nil {
			return err
		}
		if pprofAddr != "" {
			prof = &profiler{base: "http://" + pprofAddr, dir: cfg.ProfileDir,
				name: fmt.Sprintf("%s-%s", sc.Name, res.Started.Format("20060102-150405"))}
		}
		defer srv.Stop()
		wsURL = "ws://" + srv.Addr + "/ws"
		res.Settings.Server = strings.Join(srv.Command, " ")
		res.Settings.ServerPID = srv.PID()
	} else {
		res.Settings.Server = wsURL
		if cfg.Pin {
			res.Machine.Pinning = "bots on CPU 1 (sched_setaffinity); the server was not started by the benchmark"
		}
	}
	metricsURL, err := metricsURLOf(wsURL)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	defer hc.CloseIdleConnections()
	m := &meter{hc: hc, url: metricsURL, srv: srv}

	cfg.Progress.Update("%s: measuring the idle server", sc.Name)
	base, err := m.baseline(ctx)
	if err != nil {
		return err
	}
	res.Baseline = base.Baseline
	res.Machine.ServerGOMAXPROCS = int(base.sample.Value("go_sched_gomaxprocs_threads"))

	swarm, err := bot.NewSwarm(bot.SwarmConfig{
		URL: wsURL, Join: cfg.Join, RoomsOf: sc.PlayersPerRoom, JoinRate: cfg.JoinRate, Seed: cfg.Seed,
		Stallers: sc.Stallers, Reconnecters: sc.Reconnecters, Behaviour: cfg.Behaviour, Deltas: sc.Deltas,
		ShareStates: cfg.ShareStates, Transport: cfg.Transport,
	})
	if err != nil {
		return err
	}
	defer swarm.Close()
	res.Settings.BotTransport = string(swarm.Transport())

	defer func() {
		if ctx.Err() != nil || len(cfg.FloorCommand) == 0 || srv == nil {
			return
		}
		swarm.Close() // the floor needs the machine to itself, bar the idle server
		measureFloors(ctx, cfg, res)
	}()
	cfg.Progress.Println(report.Header())
	for i := 0; ; i++ {
		rooms, ok := sc.StepAt(i)
		if !ok {
			res.Stopped = "no more steps"
			return nil
		}
		bots := rooms * sc.PlayersPerRoom
		if bots > cfg.MaxBots {
			res.Stopped = fmt.Sprintf("the next step (%d bots) is over --max-bots %d", bots, cfg.MaxBots)
			return nil
		}
		st := &stepRun{cfg: cfg, level: level, m: m, base: base, swarm: swarm, prof: prof, index: i, rooms: rooms, bots: bots}
		step, err := st.run(ctx)
		if err != nil {
			return err
		}
		res.Steps = append(res.Steps, *step)
		cfg.Progress.Println(report.FormatRow(step))
		if !step.Held {
			res.Stopped = fmt.Sprintf("step %d rooms failed", rooms)
			return nil
		}
	}
}

// metricsURLOf is the /metrics address of the server at a WebSocket URL.
func metricsURLOf(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", fmt.Errorf("scenario: url %q: %w", wsURL, err)
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("scenario: url %q: want ws:// or wss://", wsURL)
	}
	u.Path, u.RawQuery = "/metrics", ""
	return u.String(), nil
}

// meter reads the server's public surfaces: /metrics, and /proc when it
// is a child.
type meter struct {
	hc  *http.Client
	url string
	srv *Server
}

func (m *meter) scrape(ctx context.Context) (*scrape.Sample, error) {
	if m.srv != nil {
		select {
		case <-m.srv.Exited():
			return nil, fmt.Errorf("scenario: the server exited: %v\n%s", m.srv.exitError(), m.srv.Output())
		default:
		}
	}
	return scrape.Fetch(ctx, m.hc, m.url)
}

func (m *meter) rss() float64 {
	if m.srv == nil {
		return 0
	}
	v, _ := m.srv.RSS()
	return v
}

// baseline is the idle server.
type baseline struct {
	report.Baseline
	sample   *scrape.Sample
	stack    float64
	allocB   float64 // bytes allocated per scrape
	scrapeCP float64 // CPU seconds per scrape
}

// baselineScrapes is how many scrapes measure a scrape's own cost; CPU
// time has a 10 ms resolution.
const baselineScrapes = 40

func (m *meter) baseline(ctx context.Context) (*baseline, error) {
	if err := sleep(ctx, time.Second); err != nil {
		return nil, err
	}
	first, err := m.scrape(ctx)
	if err != nil {
		return nil, err
	}
	last := first
	for range baselineScrapes {
		if last, err = m.scrape(ctx); err != nil {
			return nil, err
		}
	}
	n := float64(baselineScrapes)
	b := &baseline{sample: last, stack: last.Value("go_memstats_stack_inuse_bytes")}
	b.HeapStackBytes = heapStack(last)
	b.LiveHeapBytes = liveHeap(last)
	b.RSSBytes = m.rss()
	b.Goroutines = last.Value("go_goroutines")
	b.ScrapeCPUSeconds = delta(first, last, "process_cpu_seconds_total") / n
	b.ScrapeMallocs = delta(first, last, "go_memstats_mallocs_total") / n
	b.allocB = delta(first, last, "go_memstats_alloc_bytes_total") / n
	b.scrapeCP = b.ScrapeCPUSeconds
	return b, nil
}

// liveHeap estimates the heap that survived the last GC from its goal:
// since Go 1.21 the goal is live + (live + stacks + globals) * GOGC/100,
// globals left out here.
func liveHeap(s *scrape.Sample) float64 {
	g := s.Value("go_gc_gogc_percent") / 100
	if g <= 0 {
		return 0
	}
	goal := s.Value("go_memstats_next_gc_bytes")
	return max((goal-s.Value("go_memstats_stack_inuse_bytes")*g)/(1+g), 0)
}

func heapStack(s *scrape.Sample) float64 {
	return s.Value("go_memstats_heap_inuse_bytes") + s.Value("go_memstats_stack_inuse_bytes")
}

func delta(a, b *scrape.Sample, name string, labels ...string) float64 {
	return b.Value(name, labels...) - a.Value(name, labels...)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
