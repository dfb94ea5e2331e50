package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/netcode"
)

// Behaviour times the drops of the stalling and reconnecting roles.
type Behaviour struct {
	// StallEvery and StallFor: a staller stops reading for StallFor, once
	// every StallEvery (first at a random point of the first period).
	StallEvery, StallFor time.Duration
	// ReconnectEvery: a reconnecter drops its connection and resumes once
	// every ReconnectEvery (first at a random point of the first period).
	ReconnectEvery time.Duration
}

// Default behaviour: a stall outlasts the server's default pong timeout
// (10 s), so that the server drops the staller and it must resume.
const (
	DefaultStallEvery     = 60 * time.Second
	DefaultStallFor       = 15 * time.Second
	DefaultReconnectEvery = 30 * time.Second
)

func (b Behaviour) withDefaults() Behaviour {
	if b.StallEvery <= 0 {
		b.StallEvery = DefaultStallEvery
	}
	if b.StallFor <= 0 {
		b.StallFor = DefaultStallFor
	}
	if b.ReconnectEvery <= 0 {
		b.ReconnectEvery = DefaultReconnectEvery
	}
	return b
}

// stallGrace: a staller's disconnect seen this soon after its stall ended
// is the server dropping it for the stall.
const stallGrace = 5 * time.Second

// dialTimeout bounds one dial, hello and welcome.
const dialTimeout = 15 * time.Second

// Bot is one player: a connection, the policy and its measurements. A Bot
// is run by one goroutine (Run); Stop may be called from any.
type Bot struct {
	url  string
	opts client.Options
	role Role
	beh  Behaviour
	pol  *Policy
	st   *Counters
	// states, when set, shares decoded states with the room's other bots;
	// shared is the current room's.
	states *States
	shared *roomStates
	// rawPatch is the game's patcher, before New wrapped it for sharing.
	rawPatch func(dst, base, delta []byte) ([]byte, error)

	// Owned by the Run goroutine.
	player    game.PlayerID
	session   string
	lastEvent uint32
	prevTick  uint32
	lastSent  uint32
	pending   pendingRing
	snap      snake.Snapshot
	board     lazyBoard
	turns     [4][]byte
	nextDrop  time.Time // next stall or reconnect
	stallEnd  time.Time

	mu       sync.Mutex
	c        *client.Client
	stopped  bool
	stopOnce sync.Once
	stopDone chan struct{} // closed when Stop has closed the connection
}

// Config makes a Bot.
type Config struct {
	// URL is the server's WebSocket endpoint, ws://host:port/ws.
	URL string
	// Options are the client's; Hello is the first join's hello (quick
	// play or a reservation).
	Options client.Options
	Role    Role
	// Behaviour of stallers and reconnecters; zero fields take defaults.
	Behaviour Behaviour
	// Seed seeds the policy and the timing of drops.
	Seed uint64
	// Counters receive the bot's measurements; bots of a role share them.
	Counters *Counters
	// States, when set, is shared by the bots of a swarm: bots in one room
	// decode each state once between them.
	States *States
}

// New returns a bot that has not connected yet.
func New(cfg Config) *Bot {
	b := &Bot{
		url:  cfg.URL,
		opts: cfg.Options,
		role: cfg.Role,
		beh:  cfg.Behaviour.withDefaults(),
		pol:  NewPolicy(cfg.Seed),
		st:   cfg.Counters,

		states: cfg.States,

		stopDone: make(chan struct{}),
	}
	if b.st == nil {
		b.st = new(Counters)
	}
	for d := range b.turns {
		b.turns[d] = snake.EncodeTurn(snake.Direction(d))
	}
	b.board.s = &b.snap
	b.rawPatch = b.opts.Patch
	if b.states != nil && b.opts.Patch != nil {
		fn := b.opts.Patch
		b.opts.Patch = func(dst, base, delta []byte) ([]byte, error) {
			if r := b.shared; r != nil {
				return r.patch(fn, dst, base, delta)
			}
			return fn(dst, base, delta)
		}
	}
	return b
}

// Join connects and joins with the configured hello. Its error is the
// dial's; a refused join carries the close code (websocket.CloseStatus).
func (b *Bot) Join(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	c, err := client.Dial(ctx, b.url, b.opts)
	if err != nil {
		b.st.joinFailed.Add(1)
		return err
	}
	b.st.joined.Add(1)
	b.attach(c)
	if b.role != Normal {
		period := b.beh.ReconnectEvery
		if b.role == Staller {
			period = b.beh.StallEvery
		}
		b.nextDrop = time.Now().Add(time.Duration(b.pol.rng.Int64N(int64(period))))
	}
	return nil
}

// attach makes c the bot's connection, unless the bot was stopped.
func (b *Bot) attach(c *client.Client) {
	b.welcomed(c.Welcome())
	b.mu.Lock()
	b.c = c
	stopped := b.stopped
	b.mu.Unlock()
	if stopped {
		c.Close()
	}
}

// welcomed starts the bot's play on a new connection.
func (b *Bot) welcomed(w *netcode.Welcome) {
	b.player = game.PlayerID(w.Player)
	b.session = w.Session
	b.prevTick = 0
	b.lastSent = 0
	b.pending.clear()
	if b.states != nil {
		b.shared = b.states.room(w.Room)
	}
}

// Stop closes the connection normally (which ends the bot's seat); Run
// then returns. It is safe to call at any time, more than once; a second
// call does not wait for the first.
func (b *Bot) Stop() {
	b.stopOnce.Do(func() {
		defer close(b.stopDone)
		b.mu.Lock()
		b.stopped = true
		c := b.c
		b.mu.Unlock()
		if c != nil {
			c.Close()
		}
	})
}

func (b *Bot) isStopped() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stopped
}

// Run plays until Stop, ctx ends, or the bot is disconnected for good. It
// must follow a successful Join. When ctx ends, Run calls Stop and returns
// once Stop has closed the connection, so nothing it started outlives it.
func (b *Bot) Run(ctx context.Context) {
	stop := context.AfterFunc(ctx, b.Stop)
	defer func() {
		if !stop() {
			<-b.stopDone // Stop is running for ctx: wait for it
		}
	}()
	for {
		err := b.play(ctx)
		if b.isStopped() {
			return
		}
		planned := errors.Is(err, errDrop)
		if !planned && b.role == Staller && !b.stallEnd.IsZero() && time.Since(b.stallEnd) < stallGrace {
			planned = true // the server dropped us while we stalled
		}
		if !planned {
			b.st.disconnected(closeName(err))
			return
		}
		b.st.planned.Add(1)
		if !b.resume(ctx) {
			return
		}
	}
}

// errDrop marks a drop the bot made itself.
var errDrop = errors.New("bot: planned drop")

// play reads and plays on the current connection until it fails.
func (b *Bot) play(ctx context.Context) error {
	b.mu.Lock()
	c := b.c
	b.mu.Unlock()
	bg := context.Background() // never ends: see the package doc
	for {
		if b.role != Normal && !b.nextDrop.IsZero() && time.Now().After(b.nextDrop) {
			if err := b.drop(ctx, c); err != nil {
				return err
			}
		}
		m, err := c.Next(bg)
		if err != nil {
			c.CloseNow()
			return err
		}
		switch m.Type {
		case netcode.MsgSnapshot:
			if err := b.onSnapshot(c, &m); err != nil {
				c.CloseNow()
				return err
			}
		case netcode.MsgEvent:
			b.onEvent(m.Seq)
		case netcode.MsgError:
			b.st.serverErrors.Add(1)
		}
	}
}

// drop carries out a planned stall or reconnect.
func (b *Bot) drop(ctx context.Context, c *client.Client) error {
	if b.role == Reconnecter {
		b.nextDrop = b.nextDrop.Add(b.beh.ReconnectEvery)
		c.CloseNow()
		return errDrop
	}
	b.nextDrop = b.nextDrop.Add(b.beh.StallEvery)
	b.st.stalls.Add(1)
	t := time.NewTimer(b.beh.StallFor)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	b.stallEnd = time.Now()
	return nil
}

// resume dials again with the session token and last event seq. It
// reports whether the bot is connected again.
func (b *Bot) resume(ctx context.Context) bool {
	opts := b.opts
	opts.Hello = netcode.Hello{Name: opts.Hello.Name, Game: opts.Hello.Game, Session: b.session, LastEvent: b.lastEvent}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	c, err := client.Dial(dctx, b.url, opts)
	cancel()
	if err == nil && c.Welcome().Resumed {
		b.st.resumed.Add(1)
		b.attach(c)
		return !b.isStopped()
	}
	if err == nil {
		c.CloseNow()
	}
	if b.isStopped() || ctx.Err() != nil {
		return false
	}
	// The seat is gone: join afresh, with new event seqs.
	b.st.resumeFailed.Add(1)
	opts.Hello = netcode.Hello{Name: opts.Hello.Name, Game: opts.Hello.Game}
	dctx, cancel = context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if c, err = client.Dial(dctx, b.url, opts); err != nil {
		b.st.disconnected("rejoin_failed")
		return false
	}
	b.lastEvent = 0
	b.attach(c)
	return !b.isStopped()
}

func (b *Bot) onEvent(seq uint32) {
	b.st.events.Add(1)
	switch {
	case seq == b.lastEvent+1:
	case seq <= b.lastEvent:
		b.st.duplicated.Add(1)
		return
	default:
		b.st.lost.Add(uint64(seq - b.lastEvent - 1))
	}
	b.lastEvent = seq
}

// inputSender sends a bot's inputs: the Go client, or the poll
// transport's connection.
type inputSender interface {
	SendInput(ctx context.Context, payload []byte) (uint32, error)
}

func (b *Bot) onSnapshot(c inputSender, m *netcode.Message) error {
	now := time.Now()
	st := b.st
	st.snapshots.Add(1)
	if m.Base != 0 {
		st.deltas.Add(1)
	}
	if b.prevTick != 0 && m.Tick > b.prevTick+1 {
		st.tickGaps.Add(uint64(m.Tick - b.prevTick - 1))
	}
	b.prevTick = m.Tick
	// An ack above what this connection sent is stale (from before a
	// resume); ignore it.
	if m.Ack <= b.lastSent {
		for {
			seq, at, ok := b.pending.peek()
			if !ok || seq > m.Ack {
				break
			}
			b.pending.pop()
			st.acked.Add(1)
			st.latency.Record(now.Sub(at))
		}
	}
	d, turn, err := b.decide(m.Tick, m.Payload)
	if err != nil {
		st.badSnapshots.Add(1)
		return nil
	}
	if !turn {
		return nil
	}
	seq, err := c.SendInput(context.Background(), b.turns[d])
	if err != nil {
		return fmt.Errorf("bot: send input: %w", err)
	}
	b.lastSent = seq
	b.pending.push(seq, time.Now())
	st.inputs.Add(1)
	return nil
}

// decide decodes a snapshot payload and plays one tick of the policy: the
// direction to turn to, and whether to turn (send an input).
func (b *Bot) decide(tick uint32, payload []byte) (snake.Direction, bool, error) {
	snap := &b.snap
	var look Looker = &b.board
	if b.shared != nil {
		d, err := b.shared.get(tick, payload)
		if err != nil {
			return 0, false, err
		}
		snap, look = &d.snap, d
	} else {
		if err := b.snap.Decode(payload); err != nil {
			return 0, false, err
		}
		b.board.loaded = false
	}
	sn := b.own(snap)
	if sn == nil || sn.Status != snake.Alive {
		return 0, false, nil
	}
	w := int(snap.Width)
	d, turn := b.pol.Decide(int(sn.Head)%w, int(sn.Head)/w, sn.Dir, look)
	return d, turn, nil
}

// own finds the bot's snake in the snapshot.
func (b *Bot) own(snap *snake.Snapshot) *snake.Snake {
	s := snap.Snakes
	i, ok := slices.BinarySearchFunc(s, b.player, func(sn snake.Snake, p game.PlayerID) int {
		switch {
		case sn.Player < p:
			return -1
		case sn.Player > p:
			return 1
		}
		return 0
	})
	if !ok {
		return nil
	}
	return &s[i]
}

// closeName names the close code of a read error: netcode's names,
// "transport" for a connection lost without a close frame, and other_<code>
// for a code netcode does not name.
func closeName(err error) string { return codeName(int(websocket.CloseStatus(err))) }

// codeName names a close code: netcode's name, or other_<code>.
func codeName(code int) string {
	if n := netcode.CloseName(websocket.StatusCode(code)); n != "other" {
		return n
	}
	return "other_" + strconv.Itoa(code)
}

// lazyBoard unpacks the snapshot into a Board on the first look of a tick.
type lazyBoard struct {
	b      snake.Board
	s      *snake.Snapshot
	loaded bool
	ok     bool
}

func (l *lazyBoard) Free(x, y int) bool {
	if !l.loaded {
		l.loaded = true
		l.ok = l.b.Load(l.s) == nil
	}
	return l.ok && l.b.Free(x, y)
}

// pendingRing holds the inputs sent and not yet acknowledged, oldest
// first. When it is full the oldest is forgotten.
type pendingRing struct {
	seq  [16]uint32
	at   [16]time.Time
	head int
	n    int
}

func (r *pendingRing) clear() { r.head, r.n = 0, 0 }

func (r *pendingRing) push(seq uint32, at time.Time) {
	if r.n == len(r.seq) {
		r.pop()
	}
	i := (r.head + r.n) % len(r.seq)
	r.seq[i], r.at[i] = seq, at
	r.n++
}

func (r *pendingRing) peek() (uint32, time.Time, bool) {
	if r.n == 0 {
		return 0, time.Time{}, false
	}
	return r.seq[r.head], r.at[r.head], true
}

func (r *pendingRing) pop() {
	r.head = (r.head + 1) % len(r.seq)
	r.n--
}
