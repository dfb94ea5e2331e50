package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/agones"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
)

// serveConfig is every flag of tickroom serve.
// Defaults of tickroom serve's own settings; lobby, netcode and snake
// hold the defaults of theirs, which the flags show.
const (
	defaultDrainPeriod       = 10 * time.Second
	defaultShutdownTimeout   = 10 * time.Second
	defaultHTTPHeaderTimeout = 10 * time.Second
	defaultHTTPReadTimeout   = 15 * time.Second
	defaultHTTPWriteTimeout  = 15 * time.Second
	defaultHTTPIdleTimeout   = 60 * time.Second
	defaultHTTPMaxHeader     = 16 << 10
)

type serveConfig struct {
	addr            string
	tickRate        int
	tickPhases      int
	maxPlayers      int
	emptyTimeout    time.Duration
	shutdownTimeout time.Duration
	drainPeriod     time.Duration
	resumeGrace     time.Duration
	reservationTTL  time.Duration
	joinSecret      string
	joinSecretFile  string
	maxConns        int
	maxConnsPerIP   int
	maxRooms        int
	addrLimits      lobby.AddrLimits // 0 = no limit on the command line
	recordDir       string
	adminToken      string
	adminTokenFile  string
	pprofAddr       string
	snapshots       string
	areaOfInterest  bool
	logLevel        string
	logFormat       string
	seed            uint64

	// A join JWT's key, one of the two, and the clock skew allowed.
	joinJWTKeyFile       string
	joinJWTPublicKeyFile string
	joinJWTLeeway        time.Duration

	// The HTTP server's limits, so that slow or idle clients cannot hold
	// connections and memory for ever (see httpServer).
	httpHeaderTimeout time.Duration
	httpReadTimeout   time.Duration
	httpWriteTimeout  time.Duration
	httpIdleTimeout   time.Duration
	httpMaxHeader     int

	pingInterval time.Duration
	pongTimeout  time.Duration
	reliableSize int
	inputRate    float64

	snake snake.Config

	agones bool // --agones: a GameServer of Agones (agonesSDK)

	cluster clusterConfig

	store storeConfig
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
	f.IntVar(&cfg.tickPhases, "tick-phases", lobby.DefaultTickPhases, "rooms tick on this many phases of one shared grid, so that the server wakes once per phase instead of once per room (0: each room ticks from when it woke)")
	f.IntVar(&cfg.maxPlayers, "max-players", lobby.DefaultMaxPlayers, "players per room")
	f.DurationVar(&cfg.emptyTimeout, "empty-timeout", lobby.DefaultEmptyTimeout, "dispose of a room after it has been empty this long")
	f.DurationVar(&cfg.drainPeriod, "drain-period", defaultDrainPeriod, "on SIGINT/SIGTERM, stop taking players and let rooms run this long (or until empty) before closing them; 0 closes at once")
	f.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", defaultShutdownTimeout, "after the drain, how long to wait for clients to be closed")
	f.DurationVar(&cfg.resumeGrace, "resume-grace", lobby.DefaultResumeGrace, "how long a dropped player's seat is held for a reconnect")
	f.DurationVar(&cfg.reservationTTL, "reservation-ttl", lobby.DefaultReservationTTL, "how long a matchmaking seat reservation is held")
	f.StringVar(&cfg.joinSecret, "join-secret", "", "require this secret from every client (hello auth field, or Authorization: Bearer for the API); visible in the process list, prefer --join-secret-file")
	f.StringVar(&cfg.joinSecretFile, "join-secret-file", "", "read --join-secret from this file (surrounding whitespace trimmed)")
	f.StringVar(&cfg.joinJWTKeyFile, "join-jwt-key-file", "", "require from every client, instead of a join secret, a JWT (HS256, HS384 or HS512) signed with the HMAC key in this file (its raw bytes, a trailing newline trimmed; at least 32)")
	f.StringVar(&cfg.joinJWTPublicKeyFile, "join-jwt-public-key-file", "", "require from every client, instead of a join secret, a JWT signed with the private half of the PEM public key (PKIX) in this file: Ed25519 (EdDSA) or RSA (RS256, RS384, RS512)")
	f.DurationVar(&cfg.joinJWTLeeway, "join-jwt-leeway", lobby.DefaultJWTLeeway, "clock skew allowed on a join JWT's exp and nbf")
	f.IntVar(&cfg.maxConns, "max-conns", lobby.DefaultMaxConns, "WebSocket connections the server accepts (0 = no cap)")
	f.IntVar(&cfg.maxConnsPerIP, "max-conns-per-ip", lobby.DefaultMaxConnsPerIP, "WebSocket connections from one address (0 = no cap)")
	f.IntVar(&cfg.maxRooms, "max-rooms", lobby.DefaultMaxRooms, "rooms the server hosts")
	f.IntVar(&cfg.addrLimits.Rooms, "rooms-per-ip", lobby.DefaultAddrRooms, "live rooms one address may have created through the API (0 = no cap)")
	f.Float64Var(&cfg.addrLimits.CreateRate, "room-create-rate", lobby.DefaultAddrCreateRate, "rooms one address may create through the API per second, after a burst of --room-create-burst (0 = no limit)")
	f.IntVar(&cfg.addrLimits.CreateBurst, "room-create-burst", lobby.DefaultAddrCreateBurst, "rooms one address may create at once")
	f.IntVar(&cfg.addrLimits.Reservations, "reservations-per-ip", lobby.DefaultAddrReservations, "unused seat reservations one address may hold (0 = no cap)")
	f.Float64Var(&cfg.addrLimits.LookupFailRate, "lookup-fail-rate", lobby.DefaultAddrLookupFailRate, "failed room id or token lookups one address may make per second, after a burst of --lookup-fail-burst; past them it is throttled (0 = no limit)")
	f.IntVar(&cfg.addrLimits.LookupFailBurst, "lookup-fail-burst", lobby.DefaultAddrLookupFailBurst, "failed lookups one address may make at once")
	f.StringVar(&cfg.recordDir, "record", "", "record every room's match to DIR/<room>.rec, for tickroom replay")
	f.StringVar(&cfg.adminToken, "admin-token", "", "enable the live admin view at /admin, behind this token; visible in the process list, prefer --admin-token-file")
	f.StringVar(&cfg.adminTokenFile, "admin-token-file", "", "read --admin-token from this file (surrounding whitespace trimmed)")
	f.StringVar(&cfg.pprofAddr, "pprof", "", "serve net/http/pprof, unauthenticated, on this separate address; keep it on loopback (e.g. 127.0.0.1:6060)")
	f.DurationVar(&cfg.httpHeaderTimeout, "http-header-timeout", defaultHTTPHeaderTimeout, "how long a client may take to send a request's headers (at most --http-read-timeout)")
	f.DurationVar(&cfg.httpReadTimeout, "http-read-timeout", defaultHTTPReadTimeout, "how long a client may take to send a whole request, body included (not applied to WebSocket connections)")
	f.DurationVar(&cfg.httpWriteTimeout, "http-write-timeout", defaultHTTPWriteTimeout, "how long the server may take to answer a request (not applied to WebSocket connections)")
	f.DurationVar(&cfg.httpIdleTimeout, "http-idle-timeout", defaultHTTPIdleTimeout, "close a keep-alive connection idle this long")
	f.IntVar(&cfg.httpMaxHeader, "http-max-header-bytes", defaultHTTPMaxHeader, "largest request header accepted (1024..1048576); larger ones get 431")
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
	f.IntVar(&cfg.snake.View, "view", snake.DefaultView, "with --area-of-interest: side in cells of the square a player sees")
	f.IntVar(&cfg.snake.ViewMargin, "view-margin", snake.DefaultViewMargin, "with --area-of-interest: extra cells around the view")
	cfg.cluster.flags(f)
	cfg.store.flags(f, true)
	f.BoolVar(&cfg.agones, "agones", false, "run as an Agones GameServer: labels, Ready, health pings, a rooms counter and Shutdown through the SDK sidecar's REST API on localhost:$AGONES_SDK_HTTP_PORT (default 9358)")
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
	if c.tickPhases < 0 || c.tickPhases > 1000 {
		return lobby.Config{}, fmt.Errorf("--tick-phases %d: want 0..1000 (0: no shared grid)", c.tickPhases)
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
	lim := c.addrLimits
	if lim.Rooms < 0 || lim.CreateRate < 0 || lim.Reservations < 0 || lim.LookupFailRate < 0 || lim.CreateBurst < 1 || lim.LookupFailBurst < 1 {
		return lobby.Config{}, errors.New("--rooms-per-ip, --room-create-rate, --reservations-per-ip and --lookup-fail-rate must not be negative (0 = no limit); the bursts at least 1")
	}
	// On the command line 0 lifts a limit, as --max-conns-per-ip 0 does
	// (and --tick-phases 0 the shared grid); in lobby.Config zero means the
	// default and a negative value none.
	maxConns, maxConnsPerIP, phases := c.maxConns, c.maxConnsPerIP, c.tickPhases
	for _, v := range []*int{&lim.Rooms, &lim.Reservations, &maxConns, &maxConnsPerIP, &phases} {
		if *v == 0 {
			*v = -1
		}
	}
	for _, v := range []*float64{&lim.CreateRate, &lim.LookupFailRate} {
		if *v == 0 {
			*v = -1
		}
	}
	if c.reliableSize < 1 || c.inputRate <= 0 {
		return lobby.Config{}, errors.New("--reliable-queue and --input-rate must be positive")
	}
	cfg := lobby.Config{
		Room: lobby.RoomConfig{
			TickRate:       c.tickRate,
			TickPhases:     phases,
			MaxPlayers:     c.maxPlayers,
			EmptyTimeout:   c.emptyTimeout,
			Seed:           c.seed,
			ResumeGrace:    c.resumeGrace,
			ReservationTTL: c.reservationTTL,
		},
		MaxConns:      maxConns,
		MaxConnsPerIP: maxConnsPerIP,
		MaxRooms:      c.maxRooms,
		Limits:        lim,
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
		cfg.Room.SendDeltas = true
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
	jwtAuth, err := c.joinJWT()
	if err != nil {
		return cfg, err
	}
	if jwtAuth != nil {
		cfg.Authorize = jwtAuth
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

// withSecrets returns c with --join-secret and --admin-token read from
// their files when those are given. A secret on the command line shows in
// ps and /proc/PID/cmdline to every local user; a file can be readable by
// the server alone (a Kubernetes or systemd credential, say).
func (c serveConfig) withSecrets() (serveConfig, error) {
	var err error
	if c.joinSecret, err = secretFlag("join-secret", c.joinSecret, c.joinSecretFile); err != nil {
		return c, err
	}
	if c.adminToken, err = secretFlag("admin-token", c.adminToken, c.adminTokenFile); err != nil {
		return c, err
	}
	return c, nil
}

// secretFlag is the value of --name, or of --name-file when path is set:
// the file's content with surrounding whitespace (the newline editors add)
// trimmed. Errors name the flags but never hold the secret.
func secretFlag(name, value, path string) (string, error) {
	if path == "" {
		return value, nil
	}
	if value != "" {
		return "", fmt.Errorf("--%s and --%s-file both set: give one", name, name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--%s-file: %w", name, err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("--%s-file %q: the file is empty", name, path)
	}
	return secret, nil
}

// joinJWT is the join JWT check that --join-jwt-key-file or
// --join-jwt-public-key-file asks for, nil without them. Errors name the
// flags and files, never a key's bytes.
func (c serveConfig) joinJWT() (lobby.AuthFunc, error) {
	hmacFile, pubFile := c.joinJWTKeyFile, c.joinJWTPublicKeyFile
	switch {
	case hmacFile == "" && pubFile == "":
		return nil, nil
	case hmacFile != "" && pubFile != "":
		return nil, errors.New("--join-jwt-key-file and --join-jwt-public-key-file both set: give one")
	case c.joinSecret != "":
		return nil, errors.New("--join-secret and a --join-jwt-* key both set: give one")
	case c.joinJWTLeeway < 0:
		return nil, fmt.Errorf("--join-jwt-leeway %v: must not be negative", c.joinJWTLeeway)
	}
	flag, path := "--join-jwt-key-file", hmacFile
	if pubFile != "" {
		flag, path = "--join-jwt-public-key-file", pubFile
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	var key any
	switch {
	case pubFile != "":
		if key, err = lobby.ParseJWTPublicKey(b); err != nil {
			return nil, fmt.Errorf("%s %q: %w", flag, path, err)
		}
	case bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")):
		return nil, fmt.Errorf("%s %q: a PEM file, where the raw HMAC key belongs; an Ed25519 or RSA public key goes in --join-jwt-public-key-file", flag, path)
	default:
		key = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	}
	leeway := c.joinJWTLeeway
	if leeway == 0 {
		leeway = -1 // none; lobby's zero is its default
	}
	auth, err := lobby.JWT(lobby.JWTConfig{Key: key, Leeway: leeway})
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", flag, path, err)
	}
	return auth, nil
}

// httpServer checks the --http-* flags and returns the game's HTTP server,
// without its handler yet.
//
// Without read, write and idle timeouts a client that trickles its body,
// never reads its answer or just keeps a connection open holds a goroutine
// and a socket for as long as it likes; without a header cap each
// unfinished request may hold Go's default of 1 MB. WebSocket connections
// outlive these timeouts by design: net/http clears a connection's
// deadlines when the WebSocket upgrade hijacks it, and the lobby clears
// them on /ws before the upgrade too.
func (c serveConfig) httpServer() (*http.Server, error) {
	for _, t := range []struct {
		flag string
		d    time.Duration
	}{
		{"--http-header-timeout", c.httpHeaderTimeout},
		{"--http-read-timeout", c.httpReadTimeout},
		{"--http-write-timeout", c.httpWriteTimeout},
		{"--http-idle-timeout", c.httpIdleTimeout},
	} {
		// 0 would mean no timeout to net/http: the very hole these close.
		if t.d <= 0 {
			return nil, fmt.Errorf("%s %v: must be positive", t.flag, t.d)
		}
	}
	if c.httpMaxHeader < 1<<10 || c.httpMaxHeader > 1<<20 {
		return nil, fmt.Errorf("--http-max-header-bytes %d: want 1024..1048576", c.httpMaxHeader)
	}
	return &http.Server{
		ReadHeaderTimeout: c.headerTimeout(),
		ReadTimeout:       c.httpReadTimeout,
		WriteTimeout:      c.httpWriteTimeout,
		IdleTimeout:       c.httpIdleTimeout,
		MaxHeaderBytes:    c.httpMaxHeader,
	}, nil
}

// headerTimeout is --http-header-timeout, capped at --http-read-timeout:
// net/http gives the headers a deadline of their own, so a longer one would
// let the headers alone outlast the whole-request timeout.
func (c serveConfig) headerTimeout() time.Duration {
	return min(c.httpHeaderTimeout, c.httpReadTimeout)
}

func runServe(ctx context.Context, c serveConfig, logOut io.Writer) error {
	log, err := newLogger(logOut, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	if c, err = c.withSecrets(); err != nil {
		return err
	}
	cfg, err := c.lobbyConfig()
	if err != nil {
		return err
	}
	hs, err := c.httpServer()
	if err != nil {
		return err
	}
	snakeType, err := snake.Type(c.snakeConfig())
	if err != nil {
		return err
	}
	// The store before anything serves: a database that cannot be opened
	// or migrated stops the start, with the DSN (its password hidden)
	// and the cause. Closed last, after the lobby and the HTTP server.
	var st *storage
	if !c.store.noStore {
		if st, err = c.store.openStorage(ctx, log); err != nil {
			return err
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
			defer cancel()
			st.close(cctx)
		}()
		cfg.Store, cfg.Writer = st.store, st.writer
		cfg.Collectors = append(cfg.Collectors, st.collector)
		if c.cluster.natsURL != "" && st.backend == "sqlite" {
			log.Warn("cluster node on SQLite: players, results and leaderboards are this node's alone; "+
				"nodes share them only through PostgreSQL (--database postgres://...)", "database", st.dsn)
		}
	}
	var n *node // the cluster this server is a node of, if any
	if c.cluster.natsURL != "" {
		if n, err = c.cluster.joinCluster(ctx, log); err != nil {
			return err
		}
		// After the drain: the others see the rooms until they end.
		defer func() {
			lctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
			defer cancel()
			n.leave(lctx)
		}()
		cfg.Registry, cfg.Ready, cfg.Cluster, cfg.PublicURL = n.dir, n.ready, n.dir, c.cluster.publicURL
		cfg.Collectors = append(cfg.Collectors, n.dir)
	}
	srv := lobby.NewServer(cfg, log)
	if n != nil {
		if err := n.serve(srv); err != nil {
			return err
		}
	}
	if err := srv.Register(snakeType); err != nil {
		return err
	}
	hs.Handler = srv
	mountWeb(srv, log)
	var adminOpts []admin.Option
	if st != nil {
		adminOpts = append(adminOpts, admin.WithStore(st.collector))
	}
	if c.recordDir != "" {
		adminOpts = append(adminOpts, admin.WithRecordings(c.recordDir))
	}
	adminView := admin.Handler(srv, c.adminToken, adminOpts...)
	srv.Handle("/admin", adminView)
	srv.Handle("/admin/", adminView)

	sdk, err := c.agonesSDK(srv, log) // nil without --agones
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stopPprof := func(context.Context) {}
	if c.pprofAddr != "" {
		stopPprof, err = servePprof(c.pprofAddr, c, log)
		if err != nil {
			ln.Close()
			return err
		}
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	// No secret here: logs are shipped to places the secrets should not go.
	storeName, database := "none", ""
	if st != nil {
		storeName, database = st.backend, st.dsn
	}
	log.Info("tickroom serving", "addr", ln.Addr().String(), "version", version,
		"tick_rate", c.tickRate, "max_players", c.maxPlayers,
		"join_secret_required", c.joinSecret != "", "join_jwt_required", c.joinJWTKeyFile != "" || c.joinJWTPublicKeyFile != "",
		"admin_view", c.adminToken != "", "store", storeName, "database", database)
	if sdk != nil {
		// Ready now that the listener serves; the health pings go on
		// through the drain, so not on the signal's context.
		sdk.Start(context.WithoutCancel(ctx))
		defer sdk.Stop()
	}

	select {
	case err := <-served:
		pctx, pcancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
		defer pcancel()
		stopPprof(pctx)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("signal received: draining", "drain_period", c.drainPeriod, "shutdown_timeout", c.shutdownTimeout)
	// Whatever clients do, the process is gone by drain period + shutdown
	// timeout after the signal.
	sctx, cancel := context.WithTimeout(context.Background(), c.drainPeriod+c.shutdownTimeout)
	defer cancel()
	// The lobby first: WebSocket connections are hijacked and
	// http.Server.Shutdown does not wait for them. The HTTP server keeps
	// serving meanwhile, so that /readyz can tell load balancers.
	lerr := srv.Drain(sctx, c.drainPeriod)
	// Plain requests get what is left, and no more than the shutdown
	// timeout even when the drain ended early.
	hctx, hcancel := context.WithTimeout(sctx, c.shutdownTimeout)
	defer hcancel()
	// The rooms have ended, so nothing more is handed to the Writer: it
	// flushes its queue meanwhile, within the same bound. The store
	// closes after the HTTP server, whose API reads it.
	var flushed sync.WaitGroup
	if st != nil {
		flushed.Go(func() { st.flush(hctx) })
	}
	if err := hs.Shutdown(hctx); err != nil {
		// A request still running now is a client too slow to finish
		// within the timeouts, not a failure of the server: cut it.
		log.Warn("HTTP requests still running at the shutdown timeout: closing their connections", "err", err)
		hs.Close()
	}
	stopPprof(hctx)
	if sdk != nil {
		// After the drain, within its bound: Agones deletes the GameServer.
		actx, acancel := context.WithTimeout(sctx, agonesShutdownTimeout)
		if err := sdk.Shutdown(actx); err != nil {
			log.Warn("agones: shutdown not sent", "err", err)
		}
		acancel()
	}
	flushed.Wait()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if lerr != nil {
		return lerr
	}
	log.Info("shut down cleanly")
	return nil
}

// agonesShutdownTimeout bounds the Shutdown call to the Agones sidecar
// after the drain (within drain period + shutdown timeout still).
const agonesShutdownTimeout = 2 * time.Second

// agonesSDK is the client of the Agones SDK sidecar that --agones asks for,
// nil without it: the sidecar at localhost:$AGONES_SDK_HTTP_PORT, the
// rooms counter following srv's rooms, labels with this node and version.
func (c serveConfig) agonesSDK(srv *lobby.Server, log *slog.Logger) (*agones.SDK, error) {
	if !c.agones {
		return nil, nil
	}
	u, err := agones.URLFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("--agones: %w", err)
	}
	node := c.cluster.nodeID
	if node == "" {
		node, _ = os.Hostname() // the pod's, so the GameServer's, name
	}
	return agones.New(agones.Config{
		URL:    u,
		Labels: []agones.Label{{Key: "tickroom-node", Value: node}, {Key: "tickroom-version", Value: version}},
		Rooms:  func() int { return len(srv.Rooms()) },
		Log:    log,
	})
}
