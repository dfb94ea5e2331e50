package lobby

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// Errors of joining a room.
var (
	ErrRoomFull     = errors.New("room is full")
	ErrRoomClosed   = errors.New("room is closed")
	ErrRoomNotFound = errors.New("room not found")
	ErrUnknownGame  = errors.New("no such game type")
)

// command is how other goroutines ask the room for something; the room
// goroutine carries it out.
type command interface{ apply(r *Room) }

// Room is one match: a game and its members, owned by one goroutine.
type Room struct {
	id    string
	game  string
	cfg   RoomConfig
	log   *slog.Logger
	cmds  chan command
	done  chan struct{}
	dt    time.Duration
	clock Clock
	sim   game.Game
	met   *metrics
	onEnd func(*Room)
	// onMembers runs on the room goroutine after members change.
	onMembers func(*Room)
	// onReserve counts a reservation against a client address's limit, and
	// onReservationGone gives it back
	// (used, expired or ended with the room); on the room goroutine.
	onReserve func(addr string, ttl time.Duration) error
	// publicURL is the server's URL, for the reservations' (Config.PublicURL).
	publicURL         string
	onReservationGone func(addr string)
	// owner is the client address that created the room through the API,
	// counted against its limits until the room ends; "" for others.
	owner string
	// simConfig is the game's Config(), read once at creation: the game
	// belongs to the room goroutine, and joins and recordings need it.
	simConfig  any
	configWire []byte

	// openRecording starts the room's recording; nil means none. The first
	// joiner runs it, on its own goroutine (file I/O stays off the room's),
	// and the room picks the result up with that join.
	openRecording func() (Recorder, error)
	recOnce       sync.Once
	recReady      atomic.Pointer[recording]

	// Owned by the room goroutine.
	members      []*member
	reservations map[string]reservation // by token
	locked       bool
	nextPlayer   game.PlayerID
	tick         uint32
	emptySince   time.Time
	snapSize     int // the last whole-world payload's size
	viewSize     int // the last area-of-interest payload's size
	rec          *recording
	snapID       uint64
	phase        int                  // of the tick grid (RoomConfig.TickPhases), from the id
	deltas       *netcode.DeltaPolicy // nil: full snapshots only
	// prevWhole is the last tick's whole-world snapshot, the base the next
	// one's delta is prepared from (nil when no member got one).
	prevWhole *netcode.Snapshot
	viewer    game.Viewer // nil: every member sees the whole world
	views     map[game.Rect]*netcode.Snapshot
	// queued is set when a member was queued a message outside a tick's
	// publish, which flush then has written.
	queued bool
	// kicked are the members the host kicked during this tick's requests.
	kicked []*member

	// What the room keeps (keep.go). writer is Config.Writer (nil: nothing
	// is kept); reporter is the game as a game.Reporter, nil if it reports
	// no results; results is report's scratch.
	writer     *store.Writer
	reporter   game.Reporter
	results    []game.Result
	history    chatHistory
	match      []matchLine
	matchStart time.Time // the first seated player's join
	panicked   bool      // the game panicked: it is not asked again

	// stats belongs to the room goroutine; shown is its published copy.
	stats RoomStats
	shown shownStats
	// claims counts the quick-play joins and reservations on their way in
	// (quickPlay), so that openRoom counts their seats.
	claims atomic.Int64
}

// claim is one seat quick play is about to take in a room. The room
// releases it as it takes the command, before its own counts change, so
// that a seat is never counted twice (which would make quick play open a
// room next to one with a free seat); counted once too few, a join finds
// the room full and quick play tries again. The caller releases it too,
// for a command the room never took; release is idempotent.
type claim struct {
	r    *Room
	done atomic.Bool
}

func (r *Room) claim() *claim {
	r.claims.Add(1)
	return &claim{r: r}
}

func (c *claim) release() {
	if c != nil && c.done.CompareAndSwap(false, true) {
		c.r.claims.Add(-1)
	}
}

// commandQueue bounds the room's command channel. Senders block (with
// their context) when it is full: commands are joins, leaves and chat, and
// none may be lost.
const commandQueue = 64

func newRoom(id string, typ game.Type, cfg RoomConfig, clock Clock, log *slog.Logger, met *metrics, onEnd func(*Room)) (*Room, error) {
	cfg = cfg.withDefaults()
	r := &Room{
		id:    id,
		game:  typ.Name,
		cfg:   cfg,
		log:   log.With(LogRoom, id),
		cmds:  make(chan command, commandQueue),
		done:  make(chan struct{}),
		dt:    time.Second / time.Duration(cfg.TickRate),
		clock: clock,
		met:   met,
		onEnd: onEnd,

		reservations: make(map[string]reservation),
	}
	if cfg.TickPhases > 0 {
		h := fnv.New32a()
		h.Write([]byte(id))
		r.phase = int(h.Sum32() % uint32(cfg.TickPhases))
	}
	sim, err := newGame(typ, r.setup())
	if err != nil {
		return nil, fmt.Errorf("lobby: new %s room: %w", typ.Name, err)
	}
	r.sim = sim
	r.simConfig = sim.Config()
	if r.configWire, err = encodeConfig(r.simConfig); err != nil {
		return nil, err
	}
	if cfg.SendDeltas && typ.Delta != nil {
		r.deltas = &netcode.DeltaPolicy{Func: typ.Delta, MaxAge: uint32(cfg.DeltaMaxAge)}
	}
	r.reporter, _ = sim.(game.Reporter)
	if v, ok := sim.(game.Viewer); ok && cfg.AreaOfInterest {
		r.viewer = v
		r.views = make(map[game.Rect]*netcode.Snapshot)
	}
	return r, nil
}

// ID returns the room's id.
func (r *Room) ID() string { return r.id }

// Game returns the name of the room's game type.
func (r *Room) Game() string { return r.game }

// Config returns the room's settings.
func (r *Room) Config() RoomConfig { return r.cfg }

// Done is closed when the room has ended.
func (r *Room) Done() <-chan struct{} { return r.done }

// Stats returns the room's stats as of its last tick or change of
// members.
func (r *Room) Stats() RoomStats { return r.shown.load() }

// publishStats publishes the room goroutine's stats.
func (r *Room) publishStats() { r.shown.store(&r.stats) }

// send hands the room a command, waiting while its queue is full.
func (r *Room) send(ctx context.Context, c command) error {
	select {
	case r.cmds <- c:
		return nil
	case <-r.done:
		return ErrRoomClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// await waits for the room's reply to a command it was sent. The room
// replies before it ends, so once it has ended a missing reply means the
// command was never taken.
func await[T any](ctx context.Context, r *Room, reply <-chan T) (T, error) {
	var zero T
	select {
	case v := <-reply:
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-r.done:
		select {
		case v := <-reply:
			return v, nil
		default:
			return zero, ErrRoomClosed
		}
	}
}

// newGame builds a room's game, turning a panic in the embedder's
// constructor into an error.
func newGame(typ game.Type, setup game.Setup) (g game.Game, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrGamePanicked, p)
		}
	}()
	return typ.New(setup)
}

// ErrGamePanicked is what a room ends with when its game panics.
var ErrGamePanicked = errors.New("the game panicked")

// run is the room goroutine. It returns when ctx ends, when the room has
// been empty for its EmptyTimeout, or when its game panics; every member is
// closed either way. A room ticks only while it has members: an empty one
// sleeps until a join, a reservation's expiry or its disposal, so that
// rooms nobody plays in cost a parked goroutine and nothing more.
func (r *Room) run(ctx context.Context) {
	defer close(r.done)
	defer r.onEnd(r)
	defer r.publishStats()           // the final counters, for onEnd
	defer func() { r.rec.close() }() // r.rec starts with the first member
	defer r.releaseReservations()
	defer r.endMatch()
	defer r.recoverGame()
	r.emptySince = r.clock.Now()
	var sched *schedule // nil while the room sleeps
	timer := r.clock.NewTimer(r.idleWait(r.emptySince))
	defer timer.Stop()
	r.log.Debug("room created", LogGame, r.game, "tick_rate", r.cfg.TickRate, "max_players", r.cfg.MaxPlayers)
	for {
		select {
		case <-ctx.Done():
			reason := "server shutting down"
			if cause := context.Cause(ctx); cause != nil && cause != context.Canceled {
				reason = cause.Error()
			}
			r.closeAll(netcode.CloseShuttingDown, reason)
			return
		case c := <-r.cmds:
			c.apply(r)
			r.flush()
			switch {
			case sched == nil && len(r.members) > 0:
				// Wake: ticks count on from the last one the room ran.
				now := r.clock.Now()
				sched = newSchedule(phaseStart(now, r.dt, r.phase, r.cfg.TickPhases), r.dt, r.cfg.MaxCatchUp)
				timer.Reset(sched.deadline().Sub(now))
			case sched == nil:
				timer.Reset(r.idleWait(r.clock.Now()))
			}
		case now := <-timer.Chan():
			if sched != nil {
				r.runDue(sched, now)
			}
			r.expire(now)
			if len(r.members) > 0 {
				timer.Reset(sched.deadline().Sub(r.clock.Now()))
				continue
			}
			sched = nil
			if len(r.reservations) == 0 && now.Sub(r.emptySince) >= r.cfg.EmptyTimeout {
				r.log.Debug("room disposed after being empty", "empty_for", r.cfg.EmptyTimeout)
				return
			}
			timer.Reset(r.idleWait(now))
		}
	}
}

// runDue runs the ticks that are due at now.
func (r *Room) runDue(sched *schedule, now time.Time) {
	steps, skipped, late := sched.advance(now)
	if steps > 0 {
		r.stats.MaxLateness = max(r.stats.MaxLateness, late)
		r.met.latenessSecs.Observe(late.Seconds())
	}
	r.stats.SkippedTicks += uint64(skipped)
	if steps > 1 {
		r.stats.CatchUpSteps += uint64(steps - 1)
	}
	for range steps {
		r.step()
	}
}

// idleWait is how long a sleeping room may sleep: until its disposal or
// its next reservation's expiry, whichever comes first.
func (r *Room) idleWait(now time.Time) time.Duration {
	until := r.emptySince.Add(r.cfg.EmptyTimeout)
	for _, res := range r.reservations {
		if res.until.Before(until) {
			until = res.until
		}
	}
	// A reservation expires strictly after its deadline (expire uses After).
	return max(until.Sub(now)+time.Millisecond, time.Millisecond)
}

// recoverGame ends the room, and only the room, when its game panics: an
// embedder's bug must not take the other rooms and players down with it.
func (r *Room) recoverGame() {
	p := recover()
	if p == nil {
		return
	}
	r.panicked = true
	r.met.roomPanics.Inc()
	r.log.Error("game panicked: room ended", LogGame, r.game, "tick", r.tick, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	r.closeAll(netcode.CloseRoomClosed, "room ended: the game failed")
}

// releaseReservations gives the unused reservations back to the addresses
// that held them when the room ends.
func (r *Room) releaseReservations() {
	for token, res := range r.reservations {
		delete(r.reservations, token)
		r.reservationGone(res)
	}
}

func (r *Room) reservationGone(res reservation) {
	if res.addr != "" && r.onReservationGone != nil {
		r.onReservationGone(res.addr)
	}
}

// step runs one tick: inputs, game step, events, snapshot.
func (r *Room) step() {
	begin := r.clock.Now()
	r.tick++
	var accepted, refused int
	for _, m := range r.members {
		for _, in := range m.takeInputs() {
			if in.seq == 0 {
				r.request(m, &in)
				continue
			}
			if err := r.sim.Input(m.player, in.payload); err != nil {
				refused++
				if c := m.conn.Load(); c != nil {
					c.QueueError(netcode.ErrCodeBadInput, err.Error(), in.seq)
				}
			} else {
				accepted++
				r.rec.input(m.player, in.payload)
			}
			m.ack = in.seq
		}
	}
	r.removeKicked()
	if accepted > 0 {
		r.met.inputsAccepted.Add(float64(accepted))
	}
	if refused > 0 {
		r.met.inputsRefused.Add(float64(refused))
	}
	for _, ev := range r.sim.Step(r.tick) {
		r.broadcast(ev.Kind, ev.Data)
	}
	r.report(nil)
	r.rec.endTick(r.tick)
	published := r.publish()
	took := r.clock.Now().Sub(begin)
	r.met.published.Add(float64(published))
	r.met.stepSeconds.Observe(took.Seconds())
	s := &r.stats
	s.Steps++
	s.Tick = r.tick
	s.LastStep = took
	s.MaxStep = max(s.MaxStep, took)
	if took > r.dt {
		s.Overruns++
	}
	r.publishStats()
}

// flush has the members' queued messages written, after a command (a
// join, a chat) queued some. Within a tick the snapshot's publish does it.
func (r *Room) flush() {
	if !r.queued {
		return
	}
	r.queued = false
	for _, m := range r.members {
		if c := m.conn.Load(); c != nil {
			c.Flush()
		}
	}
}

// setup is what the room told its game.
func (r *Room) setup() game.Setup {
	return game.Setup{Seed: r.cfg.Seed, MaxPlayers: r.cfg.MaxPlayers, TickRate: r.cfg.TickRate}
}

// closeAll closes every member's connection, flushing its reliable lane.
func (r *Room) closeAll(code websocket.StatusCode, reason string) {
	for _, m := range r.members {
		if c := m.conn.Load(); c != nil {
			c.Close(code, reason, true)
		}
	}
}

func (r *Room) countMembers() {
	var players, away int
	for _, m := range r.members {
		if m.spectator {
			continue
		}
		players++
		if m.conn.Load() == nil {
			away++
		}
	}
	s := &r.stats
	s.Players, s.Away = players, away
	s.Spectators = len(r.members) - players
	s.Reserved = len(r.reservations)
	s.Locked = r.locked
	r.publishStats()
	if len(r.members) == 0 {
		r.emptySince = r.clock.Now()
	}
	if r.onMembers != nil {
		r.onMembers(r)
	}
}

// info is the room's registry entry.
func (r *Room) info() RoomInfo {
	s := r.Stats()
	return RoomInfo{
		ID:         r.id,
		Game:       r.game,
		Players:    s.Players + s.Reserved,
		MaxPlayers: r.cfg.MaxPlayers,
		Locked:     s.Locked,
		Private:    r.cfg.Private,
	}
}
