package lobby

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// Config configures a Server. Throughout lobby's and netcode's configs, a
// zero field takes its default (the Default constants next to the type),
// and a negative one turns the limit or feature off where that makes
// sense (no cap, no resume, no catch-up); the command line, whose flags
// show the defaults, uses 0 for off instead.
type Config struct {
	// Room holds the defaults for new rooms.
	Room RoomConfig
	// Conn tunes every connection.
	Conn netcode.Config
	// Registry is the room directory; nil uses a MemoryRegistry.
	Registry Registry
	// DefaultGame is the game of quick play when a hello names none; empty
	// means the first registered type.
	DefaultGame string
	// OriginPatterns lists the hosts, besides the server's own, whose pages
	// may open WebSockets (see coder/websocket AcceptOptions).
	OriginPatterns []string
	// Authorize, when set, validates every join and matchmaking request.
	Authorize AuthFunc
	// MaxConns and MaxConnsPerIP cap WebSocket connections, server-wide and
	// per client address (DefaultMaxConns, DefaultMaxConnsPerIP; negative:
	// no cap).
	MaxConns      int
	MaxConnsPerIP int
	// MaxRooms caps the rooms this server hosts (DefaultMaxRooms;
	// negative: no cap).
	MaxRooms int
	// Record, when set, records every room that gets a member, for replay.
	// The recording starts with the room's first member.
	Record RecordFunc
	// Limits bounds what one client address may ask of the server through
	// the API and the WebSocket; zero fields take the defaults.
	Limits AddrLimits
	// PublicURL is the WebSocket URL clients dial for this server, which
	// its reservations carry (Reservation.URL); a cluster's nodes set it.
	PublicURL string
	// Cluster, when set, makes the server a node of a cluster: matchmaking
	// for other nodes' rooms is passed on to them, quick play opens rooms
	// on the least-loaded node, and the nodes' pages may use each other.
	// Its Registry is the cluster's shared one.
	Cluster Cluster
	// Collectors are more metrics for /metrics, such as a cluster's.
	Collectors []prometheus.Collector
	// Ready, when set, is asked by /readyz besides the server's own state:
	// an error makes the server not ready (503, with the error's text).
	Ready func() error
	// Clock is the time of the server's rooms and limits; nil is the
	// system clock. Connections (heartbeats, write timeouts) keep real
	// time.
	Clock Clock
	// Store, when set, keeps returning players (hellos with a player key),
	// their results and the rooms' chat across restarts, and answers the
	// leaderboard and player API. Without it every player is a guest and
	// nothing is kept. The server never closes it.
	Store store.Store
	// Writer hands results and chat to Store in the background, so that
	// no room goroutine waits on the database; set it with Store. Its
	// owner closes it after the server has shut down.
	Writer *store.Writer
}

// Defaults for Config.
const (
	// DefaultMaxRooms caps rooms so that room creation from the API cannot
	// exhaust the server.
	DefaultMaxRooms      = 10000
	DefaultMaxConns      = 10000
	DefaultMaxConnsPerIP = 64
)

// withDefaults fills the zero fields; the room, connection and address
// configs fill their own where they are used.
func (c Config) withDefaults() Config {
	orDefault(&c.MaxRooms, DefaultMaxRooms)
	orDefault(&c.MaxConns, DefaultMaxConns)
	orDefault(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	return c
}

// ErrTooManyRooms is returned when the server hosts MaxRooms rooms.
var ErrTooManyRooms = errors.New("too many rooms on this server")

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	if err := c.Room.Validate(); err != nil {
		return fmt.Errorf("lobby: %w", err)
	}
	if err := c.Conn.Validate(); err != nil {
		return fmt.Errorf("lobby: %w", err)
	}
	return nil
}

// Server hosts rooms and serves clients. It is an http.Handler and does not
// listen by itself.
type Server struct {
	cfg Config
	log *slog.Logger
	reg Registry
	mux *http.ServeMux
	met *metrics

	// ctx ends when the server shuts down; rooms and connections watch it.
	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // every room and connection goroutine

	// quickMu makes quick play's find-or-create one step (quickPlay).
	quickMu sync.Mutex

	mu       sync.Mutex
	closing  bool // no new connections or rooms
	drain    bool // no new players: matchmaking and joins are refused
	conns    int
	connsPer map[string]int
	types    map[string]game.Type
	order    []string
	rooms    map[string]*Room

	// writers write every connection's frames (netcode.Writers).
	writers *netcode.Writers

	addrs *addrTable // per-client-address limits
	// clientLog bounds the log lines that clients cause, so that a client
	// cannot turn the log into an amplifier.
	clientLog *logLimiter
}

// NewServer returns a Server with no game types; Register adds them. A
// nil log is slog.Default().
func NewServer(cfg Config, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &Server{
		cfg:    cfg,
		log:    log,
		reg:    cfg.Registry,
		mux:    http.NewServeMux(),
		ctx:    ctx,
		cancel: cancel,
		types:  make(map[string]game.Type),
		rooms:  make(map[string]*Room),

		connsPer: make(map[string]int),

		writers:   netcode.NewWriters(0),
		addrs:     newAddrTable(cfg.Limits, cfg.Clock.Now),
		clientLog: newLogLimiter(cfg.Clock.Now),
	}
	if s.reg == nil {
		s.reg = NewMemoryRegistry()
	}
	s.mux.HandleFunc("GET /ws", s.serveWS)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.serveReady)
	s.met = newMetrics(s)
	s.addrs.throttled = func(limit string) { s.met.throttled.WithLabelValues(limit).Inc() }
	s.mux.Handle("GET /metrics", s.met.handler())
	s.mountAPI()
	return s
}

// Handle mounts another handler on the server's mux, for example the web
// client or the metrics endpoint.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	if s.draining() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// Register adds a game type. Names are unique.
func (s *Server) Register(t game.Type) error {
	if t.Name == "" || t.New == nil {
		return errors.New("lobby: register: a game type needs a name and a New function")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.types[t.Name]; dup {
		return fmt.Errorf("lobby: register: game %q already registered", t.Name)
	}
	s.types[t.Name] = t
	s.order = append(s.order, t.Name)
	return nil
}

// CreateRoom starts a room of the named game ("" for the default game).
// The room does not tick until it has a member, and is disposed of after
// its EmptyTimeout without one.
func (s *Server) CreateRoom(ctx context.Context, gameName string, cfg RoomConfig) (*Room, error) {
	return s.createRoom(ctx, "", gameName, cfg, "")
}

// createRoomFor creates a room on behalf of a client address, within the
// address's limits; the room counts against them until it ends.
func (s *Server) createRoomFor(ctx context.Context, addr, gameName string, cfg RoomConfig) (*Room, error) {
	if err := s.addrs.createRoom(addr); err != nil {
		return nil, fmt.Errorf("lobby: create room: %w", err)
	}
	room, err := s.createRoom(ctx, "", gameName, cfg, addr)
	if err != nil {
		s.addrs.roomEnded(addr)
	}
	return room, err
}

// createRoom creates a room with id, or a new random one when id is "".
func (s *Server) createRoom(ctx context.Context, id, gameName string, cfg RoomConfig, owner string) (*Room, error) {
	// The game is built outside the server lock: it is the embedder's code
	// and may be slow, or panic.
	s.mu.Lock()
	t, err := s.gameType(gameName)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	cfg = s.roomDefaults(cfg)
	if cfg.Seed == 0 {
		cfg.Seed = randomSeed()
	}
	// A room id the caller chose may have been used before a restart, and
	// have chat kept; a new random one has none to load.
	chosen := id != ""
	if !chosen {
		id = newRoomID(cfg.Private)
	}
	room, err := newRoom(id, t, cfg, s.cfg.Clock, s.log, s.met, s.roomEnded)
	if err != nil {
		return nil, err
	}
	room.owner = owner
	room.writer = s.cfg.Writer
	if s.cfg.Store != nil && chosen {
		room.seedHistory(ctx, s.cfg.Store)
	}
	room.onMembers = s.putEntry
	room.publicURL = s.cfg.PublicURL
	room.onReserve = s.addrs.reserve
	room.onReservationGone = s.addrs.released
	if s.cfg.Record != nil {
		record := s.cfg.Record
		room.openRecording = func() (Recorder, error) {
			return record(room.id, t.Name, room.setup(), room.simConfig)
		}
	}
	s.mu.Lock()
	if s.closing || s.drain {
		s.mu.Unlock()
		return nil, ErrDraining
	}
	if s.cfg.MaxRooms >= 0 && len(s.rooms) >= s.cfg.MaxRooms {
		s.mu.Unlock()
		return nil, fmt.Errorf("lobby: create room: %w (%d)", ErrTooManyRooms, s.cfg.MaxRooms)
	}
	s.rooms[room.id] = room
	s.wg.Add(1)
	s.mu.Unlock()
	s.met.roomsCreated.Inc()
	if err := s.reg.Put(ctx, room.info()); err != nil {
		s.log.Warn("registry put failed", LogRoom, room.id, "err", err)
	}
	go func() {
		defer s.wg.Done()
		room.run(s.ctx)
	}()
	return room, nil
}

// roomDefaults fills a room's zero settings from the server's.
func (s *Server) roomDefaults(c RoomConfig) RoomConfig {
	d := s.cfg.Room
	orDefault(&c.TickRate, d.TickRate)
	orDefault(&c.MaxPlayers, d.MaxPlayers)
	orDefault(&c.MaxSpectators, d.MaxSpectators)
	orDefault(&c.EmptyTimeout, d.EmptyTimeout)
	orDefault(&c.MaxCatchUp, d.MaxCatchUp)
	orDefault(&c.InputsPerTick, d.InputsPerTick)
	orDefault(&c.TickPhases, d.TickPhases)
	orDefault(&c.Seed, d.Seed)
	orDefault(&c.ResumeGrace, d.ResumeGrace)
	orDefault(&c.ReservationTTL, d.ReservationTTL)
	orDefault(&c.DeltaMaxAge, d.DeltaMaxAge)
	orDefault(&c.SendDeltas, d.SendDeltas)
	orDefault(&c.AreaOfInterest, d.AreaOfInterest)
	return c
}

// orDefault sets a zero setting to the default.
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// gameType resolves a game name; s.mu must be held.
func (s *Server) gameType(name string) (game.Type, error) {
	if name == "" {
		name = s.cfg.DefaultGame
	}
	if name == "" && len(s.order) > 0 {
		name = s.order[0]
	}
	t, ok := s.types[name]
	if !ok {
		return game.Type{}, fmt.Errorf("lobby: game %q: %w", name, ErrUnknownGame)
	}
	return t, nil
}

func (s *Server) roomEnded(r *Room) {
	s.met.roomsDisposed.Inc()
	if r.owner != "" {
		s.addrs.roomEnded(r.owner)
	}
	s.met.roomEnded(r.Stats(), func() {
		s.mu.Lock()
		delete(s.rooms, r.id)
		s.mu.Unlock()
	})
	if err := s.reg.Delete(context.Background(), r.id); err != nil {
		s.log.Warn("registry delete failed", LogRoom, r.id, "err", err)
	}
}

// publish refreshes a room's registry entry after its members changed. It
// runs on the room goroutine, so a remote Registry must make Put cheap.
func (s *Server) putEntry(r *Room) {
	if err := s.reg.Put(s.ctx, r.info()); err != nil {
		s.log.Warn("registry put failed", LogRoom, r.id, "err", err)
	}
}

// Room returns a room hosted by this server.
func (s *Server) Room(id string) (*Room, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	return r, ok
}

// Rooms returns the rooms hosted by this server, ordered by id.
func (s *Server) Rooms() []*Room {
	s.mu.Lock()
	out := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		out = append(out, r)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Metrics returns the server's Prometheus registry, served at /metrics; an
// embedding program may register its own collectors on it.
func (s *Server) Metrics() *prometheus.Registry { return s.met.reg }

// Registry returns the server's room directory.
func (s *Server) Registry() Registry { return s.reg }

// Room id lengths, in letters of a 31-letter alphabet (4.95 bits each). A
// public room's id is listed anyway, so it stays short to read out; a
// private room's id is its only protection, so it carries 99 bits.
const (
	publicIDLen  = 8
	privateIDLen = 20
)

func newRoomID(private bool) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	n := publicIDLen
	if private {
		n = privateIDLen
	}
	out := make([]byte, 0, privateIDLen)
	var b [32]byte
	for len(out) < n {
		rand.Read(b[:])
		for _, c := range b {
			// Rejection sampling: 248 = 8*31, so every letter is as likely.
			if c < 248 && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func randomSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v | 1
}

func encodeConfig(v any) (msgpack.RawMessage, error) {
	b, err := msgpack.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("lobby: encode game config: %w", err)
	}
	return b, nil
}
