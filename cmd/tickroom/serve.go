package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
)

// serveConfig is every flag of tickroom serve.
type serveConfig struct {
	addr            string
	tickRate        int
	maxPlayers      int
	emptyTimeout    time.Duration
	shutdownTimeout time.Duration
	drainPeriod     time.Duration
	resumeGrace     time.Duration
	reservationTTL  time.Duration
	joinSecret      string
	maxConns        int
	maxConnsPerIP   int
	maxRooms        int
	recordDir       string
	adminToken      string
	pprofAddr       string
	snapshots       string
	areaOfInterest  bool
	logLevel        string
	logFormat       string
	seed            uint64

	pingInterval time.Duration
	pongTimeout  time.Duration
	reliableSize int
	inputRate    float64

	snake snake.Config
}

func newServeCmd() *cobra.Command {
	cfg := serveConfig{snake: snake.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve Snake rooms over WebSocket, with the browser game at /",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cfg, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", ":8080", "address to listen on (host:port)")
	f.IntVar(&cfg.tickRate, "tick-rate", lobby.DefaultTickRate, fmt.Sprintf("room ticks per second (1..%d)", lobby.MaxTickRate))
	f.IntVar(&cfg.maxPlayers, "max-players", lobby.DefaultMaxPlayers, "players per room")
	f.DurationVar(&cfg.emptyTimeout, "empty-timeout", lobby.DefaultEmptyTimeout, "dispose of a room after it has been empty this long")
	f.DurationVar(&cfg.drainPeriod, "drain-period", 10*time.Second, "on SIGINT/SIGTERM, stop taking players and let rooms run this long (or until empty) before closing them; 0 closes at once")
	f.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", 10*time.Second, "after the drain, how long to wait for clients to be closed")
	f.DurationVar(&cfg.resumeGrace, "resume-grace", lobby.DefaultResumeGrace, "how long a dropped player's seat is held for a reconnect")
	f.DurationVar(&cfg.reservationTTL, "reservation-ttl", lobby.DefaultReservationTTL, "how long a matchmaking seat reservation is held")
	f.StringVar(&cfg.joinSecret, "join-secret", "", "require this secret from every client (hello auth field, or Authorization: Bearer for the API)")
	f.IntVar(&cfg.maxConns, "max-conns", 10000, "WebSocket connections the server accepts (0 = no cap)")
	f.IntVar(&cfg.maxConnsPerIP, "max-conns-per-ip", 64, "WebSocket connections from one address (0 = no cap)")
	f.IntVar(&cfg.maxRooms, "max-rooms", lobby.DefaultMaxRooms, "rooms the server hosts")
	f.StringVar(&cfg.recordDir, "record", "", "record every room's match to DIR/<room>.rec, for tickroom replay")
	f.StringVar(&cfg.adminToken, "admin-token", "", "enable the live admin view at /admin?token=TOKEN")
	f.StringVar(&cfg.pprofAddr, "pprof", "", "serve net/http/pprof on this separate address (e.g. 127.0.0.1:6060)")
	f.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	f.Uint64Var(&cfg.seed, "seed", 0, "seed for every room's game (0 = a random seed per room)")
	f.DurationVar(&cfg.pingInterval, "ping-interval", netcode.DefaultPingInterval, "heartbeat ping interval")
	f.DurationVar(&cfg.pongTimeout, "pong-timeout", netcode.DefaultPongTimeout, "close a client whose last pong is older than this")
	f.IntVar(&cfg.reliableSize, "reliable-queue", netcode.DefaultReliableQueue, "per-client reliable message queue; a client that overflows it is closed as too slow")
	f.Float64Var(&cfg.inputRate, "input-rate", netcode.DefaultInputRate, "per-client inputs per second before messages are dropped")
	f.IntVar(&cfg.snake.Width, "board-width", cfg.snake.Width, "Snake board width in cells")
	f.IntVar(&cfg.snake.Height, "board-height", cfg.snake.Height, "Snake board height in cells")
	f.IntVar(&cfg.snake.Food, "food", cfg.snake.Food, "Snake food items kept on the board")
	f.IntVar(&cfg.snake.RespawnTicks, "respawn-ticks", cfg.snake.RespawnTicks, "Snake ticks before a dead player respawns")
	f.StringVar(&cfg.snapshots, "snapshots", "delta", "full: every snapshot whole; delta: deltas against the last snapshot sent, to clients that ask for them")
	f.BoolVar(&cfg.areaOfInterest, "area-of-interest", false, "send each player only the part of the board around its snake (see --view)")
	f.IntVar(&cfg.snake.View, "view", 48, "with --area-of-interest: side in cells of the square a player sees")
	f.IntVar(&cfg.snake.ViewMargin, "view-margin", 8, "with --area-of-interest: extra cells around the view")
	documentEnv(f)
	return cmd
}

// lobbyConfig checks the flags and turns them into the server's config.
func (c serveConfig) lobbyConfig() (lobby.Config, error) {
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return lobby.Config{}, fmt.Errorf("--addr %q: want host:port, e.g. :8080", c.addr)
	}
	if c.tickRate < 1 || c.tickRate > lobby.MaxTickRate {
		return lobby.Config{}, fmt.Errorf("--tick-rate %d: want 1..%d", c.tickRate, lobby.MaxTickRate)
	}
	if c.maxPlayers < 1 {
		return lobby.Config{}, fmt.Errorf("--max-players %d: want at least 1", c.maxPlayers)
	}
	if c.emptyTimeout <= 0 || c.shutdownTimeout <= 0 || c.resumeGrace < 0 || c.reservationTTL <= 0 || c.drainPeriod < 0 {
		return lobby.Config{}, errors.New("--empty-timeout, --shutdown-timeout and --reservation-ttl must be positive; --resume-grace and --drain-period not negative")
	}
	if c.maxConns < 0 || c.maxConnsPerIP < 0 || c.maxRooms < 1 {
		return lobby.Config{}, errors.New("--max-conns and --max-conns-per-ip must not be negative; --max-rooms at least 1")
	}
	if c.reliableSize < 1 || c.inputRate <= 0 {
		return lobby.Config{}, errors.New("--reliable-queue and --input-rate must be positive")
	}
	cfg := lobby.Config{
		Room: lobby.RoomConfig{
			TickRate:       c.tickRate,
			MaxPlayers:     c.maxPlayers,
			EmptyTimeout:   c.emptyTimeout,
			Seed:           c.seed,
			ResumeGrace:    c.resumeGrace,
			ReservationTTL: c.reservationTTL,
		},
		MaxConns:      c.maxConns,
		MaxConnsPerIP: c.maxConnsPerIP,
		MaxRooms:      c.maxRooms,
		Conn: netcode.Config{
			PingInterval:  c.pingInterval,
			PongTimeout:   c.pongTimeout,
			ReliableQueue: c.reliableSize,
			InputRate:     c.inputRate,
		},
	}
	if c.resumeGrace == 0 {
		cfg.Room.ResumeGrace = -1 // no resume
	}
	switch c.snapshots {
	case "full":
	case "delta":
		cfg.Room.Deltas = true
	default:
		return cfg, fmt.Errorf("--snapshots %q: want full or delta", c.snapshots)
	}
	cfg.Room.AreaOfInterest = c.areaOfInterest
	if c.areaOfInterest && c.snake.View <= 0 {
		return cfg, fmt.Errorf("--area-of-interest needs --view > 0 (got %d)", c.snake.View)
	}
	if c.joinSecret != "" {
		cfg.Authorize = lobby.SharedSecret(c.joinSecret)
	}
	if c.recordDir != "" {
		rec, err := recordTo(c.recordDir)
		if err != nil {
			return cfg, err
		}
		cfg.Record = rec
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	if err := c.snakeConfig().Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// snakeConfig is the Snake rules the flags ask for.
func (c serveConfig) snakeConfig() snake.Config {
	sc := c.snake
	sc.MaxPlayers = c.maxPlayers
	if !c.areaOfInterest {
		sc.View, sc.ViewMargin = 0, 0
	}
	return sc
}

func runServe(ctx context.Context, c serveConfig, logOut io.Writer) error {
	log, err := newLogger(logOut, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	cfg, err := c.lobbyConfig()
	if err != nil {
		return err
	}
	snakeType, err := snake.Type(c.snakeConfig())
	if err != nil {
		return err
	}
	srv := lobby.NewServer(cfg, log)
	if err := srv.Register(snakeType); err != nil {
		return err
	}
	mountWeb(srv, log)
	adminView := admin.Handler(srv, c.adminToken)
	srv.Handle("/admin", adminView)
	srv.Handle("/admin/", adminView)
	if c.pprofAddr != "" {
		stopPprof, err := servePprof(c.pprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("tickroom serving", "addr", ln.Addr().String(), "version", version,
		"tick_rate", c.tickRate, "max_players", c.maxPlayers)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("signal received: draining", "drain_period", c.drainPeriod, "shutdown_timeout", c.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.drainPeriod+c.shutdownTimeout)
	defer cancel()
	// The lobby first: WebSocket connections are hijacked and
	// http.Server.Shutdown does not wait for them.
	lerr := srv.Drain(sctx, c.drainPeriod)
	herr := hs.Shutdown(sctx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := errors.Join(lerr, herr); err != nil {
		return err
	}
	log.Info("shut down cleanly")
	return nil
}
