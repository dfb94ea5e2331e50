package lobby

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// Errors of joining a room.
var (
	ErrRoomFull     = errors.New("room is full")
	ErrRoomClosed   = errors.New("room is closed")
	ErrRoomNotFound = errors.New("room not found")
	ErrUnknownGame  = errors.New("no such game type")
)

// RoomConfig configures one room. Zero fields take the server's defaults.
type RoomConfig struct {
	TickRate   int
	MaxPlayers int
	// MaxSpectators bounds spectators, who hold no seat.
	MaxSpectators int
	// EmptyTimeout disposes of a room that has had no member this long.
	EmptyTimeout time.Duration
	// MaxCatchUp is how many extra steps a late room runs at one wake-up;
	// ticks due beyond that are skipped and counted. Negative means none.
	MaxCatchUp int
	// InputsPerTick bounds each member's inputs between two ticks.
	InputsPerTick int
	// Seed seeds the game; 0 draws one at random.
	Seed uint64
	// Private rooms are not listed; they can be joined by id.
	Private bool
	// ResumeGrace holds a dropped player's seat this long for a resume.
	// Negative means a dropped player leaves at once.
	ResumeGrace time.Duration
	// ReservationTTL is how long a seat reservation holds its seat.
	ReservationTTL time.Duration
	// Deltas sends snapshots as deltas, to clients that ask for them, when
	// the game type can make them (game.Type.Delta).
	Deltas bool
	// AreaOfInterest sends each player only the part of the world around
	// it, when the game can (game.Viewer).
	AreaOfInterest bool
	// DeltaMaxAge is the oldest base, in ticks, of a delta; 0 means
	// DefaultDeltaMaxAge.
	DeltaMaxAge int
}

// Default room settings.
const (
	DefaultTickRate      = 20
	DefaultMaxPlayers    = 8
	DefaultMaxSpectators = 32
	DefaultEmptyTimeout  = 30 * time.Second
	DefaultMaxCatchUp    = 3
	DefaultDeltaMaxAge   = 32
	MaxTickRate          = 1000
)

func (c RoomConfig) withDefaults() RoomConfig {
	if c.TickRate <= 0 {
		c.TickRate = DefaultTickRate
	}
	if c.MaxPlayers <= 0 {
		c.MaxPlayers = DefaultMaxPlayers
	}
	if c.MaxSpectators <= 0 {
		c.MaxSpectators = DefaultMaxSpectators
	}
	if c.EmptyTimeout <= 0 {
		c.EmptyTimeout = DefaultEmptyTimeout
	}
	switch {
	case c.MaxCatchUp == 0:
		c.MaxCatchUp = DefaultMaxCatchUp
	case c.MaxCatchUp < 0:
		c.MaxCatchUp = 0
	}
	if c.InputsPerTick <= 0 {
		c.InputsPerTick = DefaultInputsPerTick
	}
	if c.ResumeGrace == 0 {
		c.ResumeGrace = DefaultResumeGrace
	}
	if c.ReservationTTL <= 0 {
		c.ReservationTTL = DefaultReservationTTL
	}
	if c.DeltaMaxAge <= 0 {
		c.DeltaMaxAge = DefaultDeltaMaxAge
	}
	return c
}

// Validate reports settings that cannot work.
func (c RoomConfig) Validate() error {
	if c.TickRate < 0 || c.TickRate > MaxTickRate {
		return fmt.Errorf("tick rate %d out of range 1..%d", c.TickRate, MaxTickRate)
	}
	if c.MaxPlayers < 0 {
		return fmt.Errorf("max players %d is negative", c.MaxPlayers)
	}
	return nil
}

// RoomStats are a room's counters and tick health.
type RoomStats struct {
	Tick uint32
	// Players counts seats taken by players, connected or away; Away those
	// away within their grace period.
	Players    int
	Away       int
	Spectators int
	// Reserved counts seats held by unused reservations.
	Reserved            int
	Locked              bool
	ReservationsExpired uint64
	// Steps counts game steps; CatchUpSteps those run beyond the first at
	// one wake-up; SkippedTicks the due ticks that were not run.
	Steps        uint64
	CatchUpSteps uint64
	SkippedTicks uint64
	// Overruns counts steps (with encode and publish) longer than a tick.
	Overruns uint64
	// SnapshotsEncoded counts snapshot encodings: one per step, whatever
	// the number of members.
	SnapshotsEncoded uint64
	SnapshotBytes    int
	MaxLateness      time.Duration
	MaxStep          time.Duration
	LastStep         time.Duration
}

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
	sim   game.Game
	met   *metrics
	onEnd func(*Room)
	// onMembers runs on the room goroutine after members change.
	onMembers func(*Room)

	// Owned by the room goroutine.
	members      []*member
	reservations map[string]time.Time // token → expiry
	locked       bool
	nextPlayer   game.PlayerID
	tick         uint32
	emptySince   time.Time
	snapSize     int
	rec          *recording
	snapID       uint64
	deltas       *netcode.Deltas // nil: full snapshots only
	viewer       game.Viewer     // nil: every member sees the whole world
	views        map[game.Rect]*netcode.Snapshot

	stats roomCounters
}

// roomCounters are written by the room goroutine and read by anyone.
type roomCounters struct {
	tick, snapBytes                          atomic.Int64
	players, away, spectators, reserved      atomic.Int64
	locked                                   atomic.Bool
	steps, catchUps, skipped, overruns, encs atomic.Uint64
	reservationsExpired                      atomic.Uint64
	maxLate, maxStep, lastStep               atomic.Int64
}

// commandQueue bounds the room's command channel. Senders block (with
// their context) when it is full: commands are joins, leaves and chat, and
// none may be lost.
const commandQueue = 64

func newRoom(id string, typ game.Type, cfg RoomConfig, log *slog.Logger, met *metrics, onEnd func(*Room)) (*Room, error) {
	cfg = cfg.withDefaults()
	r := &Room{
		id:    id,
		game:  typ.Name,
		cfg:   cfg,
		log:   log.With(LogRoom, id),
		cmds:  make(chan command, commandQueue),
		done:  make(chan struct{}),
		dt:    time.Second / time.Duration(cfg.TickRate),
		met:   met,
		onEnd: onEnd,

		reservations: make(map[string]time.Time),
	}
	sim, err := typ.New(r.setup())
	if err != nil {
		return nil, fmt.Errorf("lobby: new %s room: %w", typ.Name, err)
	}
	r.sim = sim
	if cfg.Deltas && typ.Delta != nil {
		r.deltas = &netcode.Deltas{Func: typ.Delta, MaxAge: uint32(cfg.DeltaMaxAge)}
	}
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

// Stats returns the room's counters.
func (r *Room) Stats() RoomStats {
	s := &r.stats
	return RoomStats{
		Tick:                uint32(s.tick.Load()),
		Players:             int(s.players.Load()),
		Away:                int(s.away.Load()),
		Spectators:          int(s.spectators.Load()),
		Reserved:            int(s.reserved.Load()),
		Locked:              s.locked.Load(),
		ReservationsExpired: s.reservationsExpired.Load(),
		Steps:               s.steps.Load(),
		CatchUpSteps:        s.catchUps.Load(),
		SkippedTicks:        s.skipped.Load(),
		Overruns:            s.overruns.Load(),
		SnapshotsEncoded:    s.encs.Load(),
		SnapshotBytes:       int(s.snapBytes.Load()),
		MaxLateness:         time.Duration(s.maxLate.Load()),
		MaxStep:             time.Duration(s.maxStep.Load()),
		LastStep:            time.Duration(s.lastStep.Load()),
	}
}

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

// run is the room goroutine. It returns when ctx ends or the room has been
// empty for its EmptyTimeout; either way every member is closed.
func (r *Room) run(ctx context.Context) {
	defer close(r.done)
	defer r.onEnd(r)
	defer r.rec.close()
	start := time.Now()
	r.emptySince = start
	sched := newSchedule(start, r.dt, r.cfg.MaxCatchUp)
	timer := time.NewTimer(time.Until(sched.deadline()))
	defer timer.Stop()
	r.log.Info("room started", LogGame, r.game, "tick_rate", r.cfg.TickRate, "max_players", r.cfg.MaxPlayers)
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
		case now := <-timer.C:
			steps, skipped, late := sched.advance(now)
			if steps > 0 {
				r.record(&r.stats.maxLate, late)
				r.met.latenessSecs.Observe(late.Seconds())
			}
			if skipped > 0 {
				r.stats.skipped.Add(uint64(skipped))
				r.met.skipped.Add(float64(skipped))
			}
			if steps > 1 {
				r.stats.catchUps.Add(uint64(steps - 1))
				r.met.catchUps.Add(float64(steps - 1))
			}
			for range steps {
				r.step()
			}
			r.expire(now)
			if len(r.members) == 0 && time.Since(r.emptySince) >= r.cfg.EmptyTimeout {
				r.log.Info("room disposed after being empty", "empty_for", r.cfg.EmptyTimeout)
				return
			}
			timer.Reset(time.Until(sched.deadline()))
		}
	}
}

func (r *Room) record(max *atomic.Int64, d time.Duration) {
	if int64(d) > max.Load() {
		max.Store(int64(d))
	}
}

// step runs one tick: inputs, game step, events, snapshot.
func (r *Room) step() {
	begin := time.Now()
	r.tick++
	var accepted, refused int
	for _, m := range r.members {
		for _, in := range m.takeInputs() {
			if err := r.sim.Input(m.player, in.payload); err != nil {
				refused++
				if c := m.conn.Load(); c != nil {
					c.SendError(netcode.ErrCodeBadInput, err.Error())
				}
			} else {
				accepted++
				r.rec.input(m.player, in.payload)
			}
			m.ack = in.seq
		}
	}
	if accepted > 0 {
		r.met.inputsApplied.WithLabelValues("accepted").Add(float64(accepted))
	}
	if refused > 0 {
		r.met.inputsApplied.WithLabelValues("bad_input").Add(float64(refused))
	}
	for _, ev := range r.sim.Step(r.tick) {
		r.broadcast(ev.Kind, ev.Data)
	}
	r.rec.endTick(r.tick)
	published := r.publish()
	took := time.Since(begin)
	r.met.steps.Inc()
	r.met.published.Add(float64(published))
	r.met.stepSeconds.Observe(took.Seconds())
	s := &r.stats
	s.steps.Add(1)
	s.tick.Store(int64(r.tick))
	s.lastStep.Store(int64(took))
	r.record(&s.maxStep, took)
	if took > r.dt {
		s.overruns.Add(1)
		r.met.overruns.Inc()
	}
}

// publish encodes this tick's snapshots, each once, and puts them in the
// members' slots: one for the whole room, or one per distinct area of
// interest. It returns how many members it published to.
func (r *Room) publish() int {
	var whole *netcode.Snapshot
	clear(r.views)
	published := 0
	for _, m := range r.members {
		c := m.conn.Load()
		if c == nil {
			continue
		}
		var snap *netcode.Snapshot
		if area, ok := r.area(m); ok {
			if snap = r.views[area]; snap == nil {
				snap = r.snapshot(r.viewer.AppendView(make([]byte, 0, r.snapSize), area))
				r.views[area] = snap
			}
		} else {
			if whole == nil {
				whole = r.snapshot(r.sim.AppendSnapshot(make([]byte, 0, r.snapSize+r.snapSize/4+64)))
			}
			snap = whole
		}
		c.PublishSnapshot(snap, m.ack)
		published++
	}
	return published
}

// area is the part of the world m should see, if area of interest is on.
func (r *Room) area(m *member) (game.Rect, bool) {
	if r.viewer == nil {
		return game.Rect{}, false
	}
	if m.spectator {
		return m.view, m.view != (game.Rect{})
	}
	return r.viewer.View(m.player)
}

// snapshot wraps one encoded payload. The payload is shared by every slot
// it goes to until it is sent, so each one gets a fresh buffer.
func (r *Room) snapshot(payload []byte) *netcode.Snapshot {
	r.snapID++
	r.snapSize = max(r.snapSize, len(payload))
	r.stats.encs.Add(1)
	r.stats.snapBytes.Store(int64(len(payload)))
	r.met.snapshotBytes.Observe(float64(len(payload)))
	return &netcode.Snapshot{Tick: r.tick, ID: r.snapID, Payload: payload, Deltas: r.deltas}
}

// setup is what the room told its game.
func (r *Room) setup() game.Setup {
	return game.Setup{Seed: r.cfg.Seed, MaxPlayers: r.cfg.MaxPlayers, TickRate: r.cfg.TickRate}
}

// broadcastCmd sends an event to every member from outside the room.
type broadcastCmd struct {
	kind string
	data any
}

func (c *broadcastCmd) apply(r *Room) { r.broadcast(c.kind, c.data) }

// broadcast sends one reliable event to every member, encoded once.
func (r *Room) broadcast(kind string, data any) {
	var raw []byte
	if data != nil {
		var err error
		if raw, err = msgpack.Marshal(data); err != nil {
			r.log.Error("event not encodable; dropped", "kind", kind, "err", err)
			return
		}
	}
	ev := &netcode.Event{Tick: r.tick, Kind: kind, Data: raw}
	for _, m := range r.members {
		m.deliver(ev)
	}
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
	s.players.Store(int64(players))
	s.away.Store(int64(away))
	s.spectators.Store(int64(len(r.members) - players))
	s.reserved.Store(int64(len(r.reservations)))
	s.locked.Store(r.locked)
	if len(r.members) == 0 {
		r.emptySince = time.Now()
	}
	if r.onMembers != nil {
		r.onMembers(r)
	}
}

// info is the room's registry entry.
func (r *Room) info() RoomInfo {
	return RoomInfo{
		ID:         r.id,
		Game:       r.game,
		Players:    int(r.stats.players.Load() + r.stats.reserved.Load()),
		MaxPlayers: r.cfg.MaxPlayers,
		Locked:     r.stats.locked.Load(),
		Private:    r.cfg.Private,
	}
}
