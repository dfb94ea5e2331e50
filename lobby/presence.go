package lobby

import (
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// Event kinds that every room sends, whatever its game.
const (
	EventJoined      = "joined"      // PlayerEvent: a player took a seat
	EventDropped     = "dropped"     // PlayerEvent: lost its connection; its seat is held
	EventReconnected = "reconnected" // PlayerEvent: came back within the grace period
	EventLeft        = "left"        // PlayerEvent: left for good
	EventChat        = "chat"        // ChatEvent
	EventDraining    = "draining"    // DrainEvent: the server is going away
)

// PlayerEvent is the data of the presence events.
type PlayerEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32
	Name     string
}

// DefaultResumeGrace is how long a dropped player's seat is held.
const DefaultResumeGrace = 20 * time.Second

// goneCmd tells the room that a member's connection has ended.
type goneCmd struct {
	m    *member
	conn *netcode.Conn
	code websocket.StatusCode
}

// leavesForGood says which closes end a seat at once. A player who said
// leave, closed normally, or was closed for misbehaving does not come back;
// one whose network failed or who fell behind may, within the grace period.
func leavesForGood(code websocket.StatusCode) bool {
	switch code {
	case netcode.CloseLeft, netcode.CloseKicked, netcode.CloseBadMessage, netcode.CloseFlood,
		netcode.CloseRoomClosed, netcode.CloseShuttingDown, websocket.StatusMessageTooBig:
		return true
	}
	return false
}

func (g *goneCmd) apply(r *Room) {
	m := g.m
	if m.conn.Load() != g.conn || !r.isMember(m) {
		return // already resumed on another connection, or removed
	}
	if m.spectator || r.cfg.ResumeGrace < 0 || leavesForGood(g.code) {
		r.remove(m)
		return
	}
	m.conn.Store(nil)
	m.awaySince = r.clock.Now()
	r.countMembers()
	r.broadcast(EventDropped, PlayerEvent{Player: uint32(m.player), Name: m.name})
	r.log.Debug("member dropped; seat held", LogPlayer, m.player, "grace", r.cfg.ResumeGrace)
}

func (r *Room) isMember(m *member) bool {
	for _, x := range r.members {
		if x == m {
			return true
		}
	}
	return false
}

// remove ends a member's seat.
func (r *Room) remove(m *member) {
	for i, x := range r.members {
		if x == m {
			r.members = append(r.members[:i], r.members[i+1:]...)
			break
		}
	}
	r.countMembers()
	if !m.spectator {
		r.sim.Leave(m.player)
		r.report(m)
		r.rec.leave(m.player)
		r.broadcast(EventLeft, PlayerEvent{Player: uint32(m.player), Name: m.name})
	}
	r.log.Debug("member left", LogPlayer, m.player)
}

// expire ends the seats of players away longer than the grace period and
// the seat reservations that were not used in time.
func (r *Room) expire(now time.Time) {
	for i := 0; i < len(r.members); i++ {
		m := r.members[i]
		if !m.awaySince.IsZero() && now.Sub(m.awaySince) >= r.cfg.ResumeGrace {
			r.remove(m)
			i--
		}
	}
	for token, res := range r.reservations {
		if now.After(res.until) {
			delete(r.reservations, token)
			r.reservationGone(res)
			r.stats.ReservationsExpired++
			r.countMembers()
		}
	}
}
