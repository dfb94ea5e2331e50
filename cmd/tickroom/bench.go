package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/bench/report"
	"github.com/tickroom/tickroom/bench/scenario"
)

// benchConfig is every flag of tickroom bench.
type benchConfig struct {
	scenario   string
	url        string
	pin        bool
	steps      string
	warmup     time.Duration
	window     time.Duration
	maxBots    int
	out        string
	plot       string
	join       string
	joinRate   float64
	seed       uint64
	serverArgs []string
	behaviour  bot.Behaviour
	deltas     bool
	profile    string
	retries    int
	floor      bool
	share      bool
	transport  string
}

func newBenchCmd() *cobra.Command {
	var cfg benchConfig
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure capacity: ramp Snake bots up in steps against a server and judge each step's service level",
		Long: `Run a benchmark scenario of docs/snake.md (arena, big or soak). Unless --url
names a running server, tickroom bench starts "tickroom serve" itself (this
binary) on a free loopback port with the scenario's settings. It ramps the
bots up in steps of rooms, warms each step up, measures it over a window from
the server's /metrics (and /proc when it started the server) and from the
bots, and stops after the first step that does not hold the service level.
The capacity is the largest step that held.

It prints a table, writes every figure to --out (JSON) and, with --plot,
draws latency and server CPU per delivered snapshot against the bots.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			changed := func(name string) bool { return cmd.Flags().Changed(name) }
			return runBench(cmd.Context(), cfg, changed, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.scenario, "scenario", "arena", "scenario: arena, big or soak")
	f.StringVar(&cfg.url, "url", "", "benchmark a running server at this WebSocket endpoint (ws://host:port/ws) instead of starting one")
	f.BoolVar(&cfg.pin, "pin", false, "run the server on CPU 0 (taskset) and the bots on CPU 1")
	f.StringVar(&cfg.steps, "steps", "", "rooms per step, e.g. 1,25,50 (default: the scenario's; arena goes on by 100 rooms until a step fails)")
	f.DurationVar(&cfg.warmup, "warmup", 0, "warm-up before each window (default: the scenario's; arena 5s)")
	f.DurationVar(&cfg.window, "window", 0, "measurement window of each step (default: the scenario's; arena 10s, soak 10m)")
	f.IntVar(&cfg.maxBots, "max-bots", scenario.DefaultMaxBots, "stop the ramp before a step with more bots")
	f.StringVar(&cfg.out, "out", "", "JSON file for every figure (default bench/out/<scenario>-<time>.json)")
	f.StringVar(&cfg.plot, "plot", "", "draw latency and CPU per snapshot against bots to this .svg or .png file")
	f.StringVar(&cfg.join, "join", string(bot.JoinMatchmake), "how bots find rooms: matchmake or quick")
	f.Float64Var(&cfg.joinRate, "join-rate", bot.DefaultJoinRate, "joins per second while ramping up")
	f.Uint64Var(&cfg.seed, "seed", 1, "seed of the bots' generators")
	f.IntVar(&cfg.retries, "retries", 2, "measure a failed step again, up to this many times, when other work took the machine during its window (other processes >= 0.25 cores or hypervisor steal >= 10%)")
	f.BoolVar(&cfg.floor, "floor", true, "after the ramp, measure each step's floor (a bare write of its snapshot bytes to as many loopback sockets at the tick rate, same pinning) and report CPU per delivered snapshot as a ratio to it; needs a server tickroom bench starts")
	f.StringVar(&cfg.transport, "bot-transport", string(bot.DefaultTransport()), "how bots read: poll (one epoll loop reads every bot's connection, one read per message; Linux) or client (a goroutine per bot on the Go client)")
	f.BoolVar(&cfg.share, "share-states", true, "bots in one room decode each state once between them (each keeps its own connection, inputs and timing, so the server's load is the same); false: every bot decodes for itself")
	f.BoolVar(&cfg.deltas, "deltas", false, "bots ask for delta snapshots (default: the scenario's; big does)")
	f.StringVar(&cfg.profile, "profile", "", "record the server's CPU profile over each window and its heap profile at the end into this directory (starts the server with --pprof)")
	f.StringArrayVar(&cfg.serverArgs, "server-arg", nil, "extra flag for the server it starts, e.g. --server-arg=--ping-interval=1s (repeatable)")
	f.DurationVar(&cfg.behaviour.StallEvery, "stall-every", bot.DefaultStallEvery, "soak: a staller stalls once per this period")
	f.DurationVar(&cfg.behaviour.StallFor, "stall-for", bot.DefaultStallFor, "soak: how long a stall lasts")
	f.DurationVar(&cfg.behaviour.ReconnectEvery, "reconnect-every", bot.DefaultReconnectEvery, "soak: a reconnecter drops and resumes once per this period")
	documentEnv(f)
	return cmd
}

func runBench(ctx context.Context, cfg benchConfig, changed func(string) bool, out, errOut io.Writer) error {
	// The bots hold little memory and allocate some on every message: a
	// rarer GC leaves more of the load generator's core to the bots.
	defer debug.SetGCPercent(debug.SetGCPercent(botsGCPercent))
	sc, err := scenario.Lookup(cfg.scenario)
	if err != nil {
		return fmt.Errorf("--scenario: %w", err)
	}
	if changed("steps") {
		if sc.Steps, err = scenario.ParseSteps(cfg.steps); err != nil {
			return fmt.Errorf("--steps: %w", err)
		}
		sc.Extend = false
	}
	if changed("warmup") {
		sc.Warmup = cfg.warmup
	}
	if changed("window") {
		if cfg.window <= 0 {
			return errors.New("--window must be positive")
		}
		sc.Window = cfg.window
	}
	if changed("deltas") {
		sc.Deltas = cfg.deltas
	}
	if cfg.profile != "" && cfg.url != "" {
		return errors.New("--profile needs a server that tickroom bench starts: drop --url, or profile that server with its own --pprof")
	}
	if cfg.out == "" {
		cfg.out = fmt.Sprintf("bench/out/%s-%s.json", sc.Name, time.Now().Format("20060102-150405"))
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary to start the server: %w", err)
	}
	var floorCommand []string
	if cfg.floor {
		floorCommand = []string{exe, "floor"}
	}
	p := report.NewProgress(errOut, isTerminal(errOut))
	// The server it starts keeps no store: a benchmark must not write
	// into the user's data dir, and its figures stay comparable with the
	// earlier ones. --server-arg=--no-store=false with
	// --server-arg=--data-dir=DIR measures with one.
	res, runErr := scenario.Run(ctx, scenario.Config{
		Scenario:      sc,
		URL:           cfg.url,
		ServerCommand: []string{exe, "serve", "--no-store"},
		ServerArgs:    cfg.serverArgs,
		Pin:           cfg.pin,
		MaxBots:       cfg.maxBots,
		Join:          bot.JoinMode(cfg.join),
		JoinRate:      cfg.joinRate,
		Seed:          cfg.seed,
		Behaviour:     cfg.behaviour,
		Command:       "tickroom " + strings.Join(os.Args[1:], " "),
		Progress:      p,
		ProfileDir:    cfg.profile,
		Retries:       cfg.retries,
		FloorCommand:  floorCommand,
		ShareStates:   cfg.share,
		Transport:     bot.Transport(cfg.transport),
	})
	p.Done()
	if res == nil {
		return runErr
	}
	fmt.Fprintln(out)
	report.WriteTable(out, res.Steps)
	fmt.Fprintln(out)
	report.WriteSummary(out, res)
	if err := res.WriteJSON(cfg.out); err != nil {
		return errors.Join(runErr, err)
	}
	fmt.Fprintf(out, "figures: %s\n", cfg.out)
	if cfg.plot != "" && len(res.Steps) > 0 {
		if err := report.WritePlot(cfg.plot, res); err != nil {
			return errors.Join(runErr, err)
		}
		fmt.Fprintf(out, "plot:    %s\n", cfg.plot)
	}
	return runErr
}
