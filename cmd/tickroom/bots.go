package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/bench/report"
)

// botsGCPercent is the GOGC of the processes that run bots.
const botsGCPercent = 400

// botsConfig is every flag of tickroom bots.
type botsConfig struct {
	url          string
	bots         int
	duration     time.Duration
	roomsOf      int
	seed         uint64
	join         string
	joinRate     float64
	stallers     float64
	reconnecters float64
	behaviour    bot.Behaviour
	deltas       bool
	share        bool
	transport    string
	cpuProfile   string
}

func newBotsCmd() *cobra.Command {
	var cfg botsConfig
	cmd := &cobra.Command{
		Use:   "bots",
		Short: "Run a swarm of Snake bots against a server until interrupted, then print what they measured",
		Long: `Run a swarm of Snake bots (the bot policy of docs/snake.md) against a
running server, joining at a bounded rate so that rooms fill --rooms-of at a
time, until SIGINT or --duration. The summary gives snapshots received,
ticks missed, input-to-acknowledgement latency, reliable events lost and
disconnects by close code. Every bot comes from one address, so start the
server with the per-address limits lifted: --max-conns-per-ip 0
--rooms-per-ip 0 --room-create-rate 0 --reservations-per-ip 0
--lookup-fail-rate 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBots(cmd.Context(), cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.url, "url", "ws://127.0.0.1:8080/ws", "the server's WebSocket endpoint")
	f.IntVar(&cfg.bots, "bots", 8, "number of bots")
	f.DurationVar(&cfg.duration, "duration", 0, "stop after this long (0 = until interrupted)")
	f.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the bots' own CPU profile to this file (to see what the load generator spends)")
	f.IntVar(&cfg.roomsOf, "rooms-of", bot.DefaultRoomsOf, "bots per room (matchmake join)")
	f.Uint64Var(&cfg.seed, "seed", 1, "seed of the bots' generators")
	f.StringVar(&cfg.join, "join", string(bot.JoinMatchmake), "how bots find rooms: matchmake (groups of --rooms-of through /api/matchmake) or quick (quick-play hello)")
	f.Float64Var(&cfg.joinRate, "join-rate", bot.DefaultJoinRate, "joins per second while ramping up")
	f.Float64Var(&cfg.stallers, "stallers", 0, "fraction of bots that stop reading now and then")
	f.Float64Var(&cfg.reconnecters, "reconnecters", 0, "fraction of bots that drop and resume now and then")
	f.DurationVar(&cfg.behaviour.StallEvery, "stall-every", bot.DefaultStallEvery, "a staller stalls once per this period")
	f.DurationVar(&cfg.behaviour.StallFor, "stall-for", bot.DefaultStallFor, "how long a stall lasts")
	f.DurationVar(&cfg.behaviour.ReconnectEvery, "reconnect-every", bot.DefaultReconnectEvery, "a reconnecter drops and resumes once per this period")
	f.BoolVar(&cfg.deltas, "deltas", false, "ask for delta snapshots and patch them")
	f.StringVar(&cfg.transport, "bot-transport", string(bot.DefaultTransport()), "how bots read: poll (one epoll loop reads every bot's connection, one read per message; Linux) or client (a goroutine per bot on the Go client)")
	f.BoolVar(&cfg.share, "share-states", true, "bots in one room decode each state once between them (the server's load is the same)")
	documentEnv(f)
	return cmd
}

func runBots(ctx context.Context, cfg botsConfig, out, errOut io.Writer) error {
	// The bots hold little memory and allocate some on every message: a
	// rarer GC leaves more of the load generator's core to the bots.
	defer debug.SetGCPercent(debug.SetGCPercent(botsGCPercent))
	if cfg.bots < 1 {
		return fmt.Errorf("--bots %d: want at least 1", cfg.bots)
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	swarm, err := bot.NewSwarm(bot.SwarmConfig{
		URL: cfg.url, Join: bot.JoinMode(cfg.join), RoomsOf: cfg.roomsOf, JoinRate: cfg.joinRate, Seed: cfg.seed,
		Stallers: cfg.stallers, Reconnecters: cfg.reconnecters, Behaviour: cfg.behaviour, Deltas: cfg.deltas,
		ShareStates: cfg.share, Transport: bot.Transport(cfg.transport),
	})
	if err != nil {
		return err
	}
	defer swarm.Close()
	p := report.NewProgress(errOut, isTerminal(errOut))
	start := time.Now()
	err = swarm.Grow(ctx, cfg.bots, func(joined int) {
		p.Update("joining %s %d/%d", report.Bar(float64(joined), float64(cfg.bots), 20), joined, cfg.bots)
	})
	if err != nil && ctx.Err() == nil {
		p.Done()
		return err
	}
	t := swarm.Totals().All()
	p.Println(fmt.Sprintf("%d bots joined, %d failed, in %v; running until interrupted", t.Joined, t.JoinFailed, time.Since(start).Round(time.Millisecond)))
	status := time.NewTicker(time.Second)
	defer status.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-status.C:
			t := swarm.Totals()
			all, keep := t.All(), t.KeepingUp()
			p.Update("%v: %d snapshots, ack p99 %.1f ms, %d lost, %d disconnects",
				time.Since(start).Round(time.Second), all.Snapshots,
				float64(keep.Latency.Quantile(0.99))/float64(time.Millisecond), all.Lost, all.Disconnects)
		}
	}
	elapsed := time.Since(start)
	p.Update("stopping %d bots", swarm.Started())
	swarm.Close()
	p.Done()
	report.WriteSwarmSummary(out, swarm.Totals(), swarm.Started(), elapsed)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && report.IsTerminal(f)
}
