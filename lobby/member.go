package lobby

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// DefaultInputsPerTick bounds a member's pending inputs and requests
// between two ticks.
const DefaultInputsPerTick = 16

// DefaultEventLog is how many recent events a member keeps for a resume.
const DefaultEventLog = 256

// pendingInput is an input, or a request, waiting for the next tick.
type pendingInput struct {
	seq     uint32 // an input's seq; 0 for a request
	id      uint32 // a request's id
	kind    string // a request's kind
	payload []byte // an input's payload or a request's data
}

// member is one seat (or spectator place) in a room. It outlives its
// connection while the player is away within the resume grace period. The
// room goroutine owns every field but conn, which the connection's reader
// reads, and the inbox, which it fills.
type member struct {
	room      *Room
	conn      atomic.Pointer[netcode.Conn] // nil while the player is away
	player    game.PlayerID
	account   string // Identity.Subject of the client that took the seat
	name      string
	spectator bool
	session   string
	ack       uint32    // last input seq applied, on the current connection
	awaySince time.Time // zero while connected
	view      game.Rect // a spectator's chosen area of interest; zero = all
	events    eventLog

	// stable is the stable player id of the hello's key, 0 for a guest:
	// what the welcome, the stored results and chat carry.
	stable int64

	inboxMu sync.Mutex
	// queued counts the inputs in inbox, so that the room passes over a
	// member with none (most, most ticks) without taking the lock.
	queued atomic.Int32
	inbox  []pendingInput
	spare  []pendingInput
	// The inputs' payloads, copied out of the reader's buffer (which the
	// next message reuses), one arena per inbox.
	arena, spareArena []byte
}

var _ netcode.Handler = (*member)(nil)

// HandleMessage runs on the connection's reader goroutine.
func (m *member) HandleMessage(c *netcode.Conn, msg *netcode.Message) {
	if m.conn.Load() != c {
		return // a connection that was replaced by a resume
	}
	switch msg.Type {
	case netcode.MsgInput:
		if m.spectator {
			c.SendError(netcode.ErrCodeNotAllowed, "spectators cannot send inputs", msg.Seq)
			return
		}
		m.queue(c, msg, pendingInput{seq: msg.Seq})
	case netcode.MsgRequest:
		m.queue(c, msg, pendingInput{id: msg.ID, kind: msg.Kind})
	case netcode.MsgChat:
		m.room.chat(m, c, msg)
	case netcode.MsgLeave:
		c.Close(netcode.CloseLeft, "left", true)
	}
}

// queue puts an input or a request in the inbox for the next tick, with a
// copy of its payload. Policy when full: drop the newest and say so (the
// client's seq acks show which inputs were applied).
func (m *member) queue(c *netcode.Conn, msg *netcode.Message, in pendingInput) {
	m.inboxMu.Lock()
	full := len(m.inbox) >= m.room.cfg.InputsPerTick
	if !full {
		start := len(m.arena)
		m.arena = append(m.arena, msg.Payload...)
		in.payload = m.arena[start:len(m.arena):len(m.arena)]
		m.inbox = append(m.inbox, in)
		m.queued.Add(1)
	}
	m.inboxMu.Unlock()
	if full {
		c.Drop(msg, fmt.Sprintf("over %d inputs and requests in one tick", m.room.cfg.InputsPerTick))
	}
}

// takeInputs hands the room this tick's inputs. The returned slice is valid
// until the next call.
func (m *member) takeInputs() []pendingInput {
	if m.queued.Load() == 0 {
		// An input queued after this load goes with the next tick, as it
		// would had it come after the lock.
		return nil
	}
	m.inboxMu.Lock()
	defer m.inboxMu.Unlock()
	m.queued.Store(0)
	in := m.inbox
	clear(m.spare)
	m.inbox, m.spare = m.spare[:0], in
	// The arena behind the returned inputs becomes the spare; the payloads
	// of the inputs taken last time are no longer read.
	m.arena, m.spareArena = m.spareArena[:0], m.arena
	return in
}

// deliver gives the member the next event: logged for a resume, and
// queued if the player is connected. It leaves with the room's next
// snapshot, or at the end of the command that sent it (Room.flush).
func (m *member) deliver(ev *netcode.Event) {
	seq := m.events.add(ev)
	if c := m.conn.Load(); c != nil {
		c.QueueEvent(seq, ev)
		m.room.queued = true
	}
}

// eventLog numbers a member's events and keeps the newest ones, so that a
// player who resumes gets what it missed.
type eventLog struct {
	last  uint32 // seq of the newest event
	ring  []*netcode.Event
	limit int
}

func (l *eventLog) add(ev *netcode.Event) uint32 {
	l.last++
	if len(l.ring) < l.limit {
		l.ring = append(l.ring, ev)
	} else {
		l.ring[int(l.last-1)%l.limit] = ev
	}
	return l.last
}

// since returns the events after seq, oldest first, and false when some of
// them have already left the log.
func (l *eventLog) since(seq uint32) ([]*netcode.Event, bool) {
	if seq > l.last {
		return nil, false
	}
	n := int(l.last - seq)
	if n > len(l.ring) {
		return nil, false
	}
	out := make([]*netcode.Event, 0, n)
	for s := seq + 1; s <= l.last; s++ {
		i := int(s - 1)
		if len(l.ring) == l.limit {
			i %= l.limit
		}
		out = append(out, l.ring[i])
	}
	return out, true
}
