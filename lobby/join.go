package lobby

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// Errors of joining and resuming.
var (
	ErrRoomLocked     = errors.New("room is locked")
	ErrBadSession     = errors.New("unknown or expired session")
	ErrBadReservation = errors.New("unknown or expired seat reservation")
	ErrResumeGap      = errors.New("lastEvent is ahead of the events this player was sent")
	ErrBadHello       = errors.New("bad hello")
)

// joinTimeout bounds how long a connection waits for a room to admit it.
const joinTimeout = 5 * time.Second

// joinCmd adds a connection to the room: a new member, or a resume.
type joinCmd struct {
	conn  *netcode.Conn
	hello *netcode.Hello
	addr  string // the client's address, which a reservation is bound to
	// account is the client's Identity.Subject, "" for none.
	account string
	// stable is the stable player id of the hello's key (0: a guest).
	stable int64
	claim  *claim // quick play's, released when the room takes the join
	reply  chan joinResult
	// state settles who owns the join when the joiner stops waiting:
	// 0 pending, 1 taken by the room, 2 abandoned by the joiner.
	state atomic.Int32
}

type joinResult struct {
	m   *member
	err error
}

// abandon reports whether the joiner gave up before the room took the
// join; if not, the room's reply is on its way.
func (j *joinCmd) abandon() bool { return j.state.CompareAndSwap(0, 2) }

func (j *joinCmd) apply(r *Room) {
	if !j.state.CompareAndSwap(0, 1) {
		return
	}
	j.claim.release()
	var res joinResult
	if j.hello.Session != "" {
		res.m, res.err = r.resume(j.conn, j.hello, j.account)
	} else if m := r.accountSeat(j.account); m != nil && !j.hello.Spectator {
		res.m, res.err = r.resumeSeat(m, j.conn, j.hello)
	} else {
		res.m, res.err = r.join(j.conn, j.hello, j.addr, j.account, j.stable)
	}
	j.reply <- res
}

// admit asks the room goroutine to add the connection of the client at
// addr, of account ("" for none) and stable player id (0 for a guest).
func (r *Room) admit(ctx context.Context, conn *netcode.Conn, h *netcode.Hello, addr, account string, stable int64, cl *claim) (*member, error) {
	r.startRecording()
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	j := &joinCmd{conn: conn, hello: h, addr: addr, account: account, stable: stable, claim: cl, reply: make(chan joinResult, 1)}
	if err := r.send(ctx, j); err != nil {
		return nil, err
	}
	res, err := await(ctx, r, j.reply)
	if err != nil && !j.abandon() {
		// The room took the join as the wait ended: its reply is due,
		// unless the room ended while applying it (its game panicked).
		select {
		case res = <-j.reply:
			err = nil
		case <-r.done:
			select {
			case res = <-j.reply:
				err = nil
			default:
				err = ErrRoomClosed
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return res.m, res.err
}

// seatsTaken counts seated players, present or away, and held reservations.
func (r *Room) seatsTaken() int {
	n := len(r.reservations)
	for _, m := range r.members {
		if !m.spectator {
			n++
		}
	}
	return n
}

// startRecording opens the room's recording, once, on the goroutine of
// the first client to join, so that a room nobody joins never opens a
// file and the file I/O stays off the room goroutine.
func (r *Room) startRecording() {
	if r.openRecording == nil {
		return
	}
	r.recOnce.Do(func() {
		rec, err := r.openRecording()
		if err != nil {
			// Losing a recording must not stop a match.
			r.log.Error("recording not started", "err", err)
			return
		}
		r.recReady.Store(&recording{r: rec, sim: r.sim, log: r.log})
	})
}

func (r *Room) join(c *netcode.Conn, h *netcode.Hello, addr, account string, stable int64) (*member, error) {
	if r.rec == nil {
		r.rec = r.recReady.Load()
	}
	var res reservation
	reserved := false
	if h.Reservation != "" {
		if h.Spectator {
			// Spending a seat's reservation on a spectator would waste the
			// seat until the reservation's owner noticed.
			return nil, fmt.Errorf("%w: a reservation is for a seat, and a spectator takes none", ErrBadHello)
		}
		var ok bool
		if res, ok = r.reservations[h.Reservation]; !ok {
			return nil, ErrBadReservation
		}
		if res.addr != "" && addrKey(res.addr) != addrKey(addr) {
			return nil, fmt.Errorf("%w: it was made for another client", ErrBadReservation)
		}
		reserved = true
	}
	spectators := len(r.members) - r.stats.Players
	switch {
	case h.Spectator && spectators >= r.cfg.MaxSpectators:
		return nil, fmt.Errorf("%w: %d spectators", ErrRoomFull, spectators)
	case reserved:
	case r.locked:
		return nil, ErrRoomLocked
	case !h.Spectator && r.seatsTaken() >= r.cfg.MaxPlayers:
		return nil, fmt.Errorf("%w: %d of %d seats taken", ErrRoomFull, r.seatsTaken(), r.cfg.MaxPlayers)
	}
	view, err := spectatorView(h)
	if err != nil {
		return nil, err
	}
	r.nextPlayer++
	m := &member{
		view:      view,
		room:      r,
		player:    r.nextPlayer,
		account:   account,
		stable:    stable,
		name:      cleanName(h.Name, r.nextPlayer),
		spectator: h.Spectator,
		session:   r.sessionFor(h.Spectator),
		events:    eventLog{limit: DefaultEventLog},
	}
	c.SetDeltas(h.Deltas && r.deltas != nil)
	m.conn.Store(c)
	if !m.spectator {
		if err := r.sim.Join(m.player, m.name); err != nil {
			return nil, fmt.Errorf("lobby: join: %w", err)
		}
		r.rec.join(m.player, m.name)
	}
	if reserved {
		delete(r.reservations, h.Reservation)
		r.reservationGone(res)
	}
	r.members = append(r.members, m)
	r.countMembers()
	if err := c.SendWelcome(r.welcome(m, resumeNone, 0)); err != nil {
		return nil, err
	}
	r.sendHistory(c)
	if !m.spectator {
		if r.matchStart.IsZero() {
			r.matchStart = r.clock.Now()
		}
		r.broadcast(EventJoined, PlayerEvent{Player: uint32(m.player), Name: m.name})
	}
	r.log.Debug("member joined", LogPlayer, m.player, "spectator", m.spectator)
	return m, nil
}

// resumeHeadroom is the room left in a resuming connection's reliable
// queue, after the replayed events, for the welcome, the reconnected event
// and what the room sends before the writer starts draining.
const resumeHeadroom = 16

// How a welcome answers a session.
const (
	resumeNone     = iota // a new member
	resumeReplay          // the missed events follow the welcome
	resumeLostRest        // the missed events are gone: rebuild from the welcome
)

// resume puts a returning player back on its seat, on a new connection.
// Within the grace period it always succeeds: when the player missed more
// events than are kept, or than its new connection could queue, the
// welcome says the history is lost instead of refusing the player. The
// session must be the account's.
func (r *Room) resume(c *netcode.Conn, h *netcode.Hello, account string) (*member, error) {
	var m *member
	for _, x := range r.members {
		if x.session == h.Session && !x.spectator {
			m = x
		}
	}
	if m == nil || m.account != account {
		return nil, ErrBadSession
	}
	return r.resumeSeat(m, c, h)
}

// accountSeat is the seat an account holds, present or away, nil for
// none: a player's hello with the account takes it over (resumeSeat), so
// that an account has one seat per room.
func (r *Room) accountSeat(account string) *member {
	if account == "" {
		return nil
	}
	for _, m := range r.members {
		if m.account == account && !m.spectator {
			return m
		}
	}
	return nil
}

// resumeSeat puts m's player on connection c, as the hello h asks.
func (r *Room) resumeSeat(m *member, c *netcode.Conn, h *netcode.Hello) (*member, error) {
	if h.LastEvent > m.events.last {
		return nil, fmt.Errorf("%w (last received %d, newest sent %d)", ErrResumeGap, h.LastEvent, m.events.last)
	}
	missed, kept := m.events.since(h.LastEvent)
	how, from := resumeReplay, h.LastEvent
	if !kept || len(missed) > c.ReliableCapacity()-resumeHeadroom {
		how, from, missed = resumeLostRest, m.events.last, nil
	}
	if old := m.conn.Load(); old != nil {
		old.Close(netcode.CloseReplaced, "session resumed on another connection", false)
	}
	m.session = r.id + "." + newToken() // a token is good for one resume
	c.SetDeltas(h.Deltas && r.deltas != nil)
	m.conn.Store(c)
	m.awaySince = time.Time{}
	m.ack = 0 // input seqs count per connection
	m.takeInputs()
	if err := c.SendWelcome(r.welcome(m, how, from)); err != nil {
		return nil, err
	}
	for i, ev := range missed {
		c.QueueEvent(from+uint32(i)+1, ev)
	}
	if how == resumeLostRest {
		// The client rebuilds from the welcome: its chat too. One that
		// replays has the chat events it missed.
		r.sendHistory(c)
	}
	r.queued = true
	r.countMembers()
	r.broadcast(EventReconnected, PlayerEvent{Player: uint32(m.player), Name: m.name})
	r.log.Debug("member resumed", LogPlayer, m.player, "replayed", len(missed), "history_lost", how == resumeLostRest)
	return m, nil
}

func (r *Room) welcome(m *member, how int, lastEvent uint32) *netcode.Welcome {
	return &netcode.Welcome{
		Player:      uint32(m.player),
		Account:     m.account,
		Session:     m.session,
		Room:        r.id,
		Game:        r.game,
		TickRate:    r.cfg.TickRate,
		Tick:        r.tick,
		Spectator:   m.spectator,
		Resumed:     how != resumeNone,
		HistoryLost: how == resumeLostRest,
		LastEvent:   lastEvent,
		PlayerID:    m.stable,
		Players:     r.roster(),
		Config:      r.configWire,

		Deltas:         m.conn.Load().DeltasOn(),
		AreaOfInterest: r.viewer != nil && (!m.spectator || m.view != game.Rect{}),
	}
}

// spectatorView reads a hello's area of interest.
func spectatorView(h *netcode.Hello) (game.Rect, error) {
	switch {
	case len(h.View) == 0:
		return game.Rect{}, nil
	case !h.Spectator:
		return game.Rect{}, fmt.Errorf("%w: only spectators choose a view", ErrBadHello)
	case len(h.View) != 4 || h.View[2] <= 0 || h.View[3] <= 0:
		return game.Rect{}, fmt.Errorf("%w: view must be [x, y, w, h] with w, h > 0", ErrBadHello)
	}
	return game.Rect{X: h.View[0], Y: h.View[1], W: h.View[2], H: h.View[3]}, nil
}

func (r *Room) roster() []netcode.Member {
	out := make([]netcode.Member, 0, len(r.members))
	for _, m := range r.members {
		if !m.spectator {
			out = append(out, netcode.Member{Player: uint32(m.player), Name: m.name})
		}
	}
	return out
}

// cleanName keeps a display name printable and short, and gives nameless
// players one.
func cleanName(s string, p game.PlayerID) string {
	if name := trimName(s); name != "" {
		return name
	}
	return fmt.Sprintf("player-%d", p)
}

// trimName is cleanName without the name for the nameless: "" stays "".
func trimName(s string) string {
	const maxRunes = 24
	out := make([]rune, 0, maxRunes)
	for _, c := range s {
		if len(out) == maxRunes {
			break
		}
		// The C0 and C1 controls and DEL, as the store refuses them
		// (unicode.IsControl), and what invalid UTF-8 decodes to.
		if c >= ' ' && c != utf8.RuneError && (c < 0x7f || c > 0x9f) {
			out = append(out, c)
		}
	}
	return string(out)
}

// sessionFor returns a new member's session token: "" for a spectator,
// who holds no seat to come back to.
func (r *Room) sessionFor(spectator bool) string {
	if spectator {
		return ""
	}
	return r.id + "." + newToken()
}

// newToken returns 128 random bits, hex-encoded.
func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tokenRoom returns the room id a session or reservation token belongs to:
// tokens are "<room id>.<random>", so that any process can route them.
func tokenRoom(token string) string {
	id, _, _ := strings.Cut(token, ".")
	return id
}
