package lobby

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// The requests every room answers itself; the game answers the others
// (game.Requester). Kinds with the prefix are the room's, known or not.
const (
	roomRequestPrefix = "room."
	RequestRoomInfo   = "room.info" // nil → RoomInfoReply
	RequestRoomLock   = "room.lock" // bool → the room's new locked state; the host only
	RequestRoomKick   = "room.kick" // player id → true; the host only
)

// EventLocked is sent when the host locks or unlocks the room (LockEvent).
const EventLocked = "locked"

// LockEvent is the data of the locked event.
type LockEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32   // the host who did it; 0: the server (Room.SetLocked)
	Locked   bool
}

// RoomInfoReply answers room.info.
type RoomInfoReply struct {
	ID         string `msgpack:"id"`
	Game       string `msgpack:"game"`
	MaxPlayers int    `msgpack:"maxPlayers"`
	// Host is the seated player with the lowest id, present or away, who
	// may lock the room and kick players; 0 when no one is seated.
	Host    uint32 `msgpack:"host"`
	Locked  bool   `msgpack:"locked"`
	Private bool   `msgpack:"private"`
	Tick    uint32 `msgpack:"tick"`
	// Players are the seated players, as the welcome lists them.
	Players    []netcode.Member `msgpack:"players"`
	Spectators int              `msgpack:"spectators"`
}

// requestError is a failed request: the reply's code and message.
type requestError struct{ code, msg string }

func (e *requestError) Error() string { return e.code + ": " + e.msg }

func refuse(code, format string, args ...any) error {
	return &requestError{code: code, msg: fmt.Sprintf(format, args...)}
}

// request answers one of m's requests, on the room goroutine between
// ticks. The reply leaves with the tick's snapshot.
func (r *Room) request(m *member, in *pendingInput) {
	reply, err := r.answer(m, in)
	var data []byte
	if err == nil && reply != nil {
		if data, err = msgpack.Marshal(reply); err != nil {
			r.log.Error("request reply not encodable", "kind", in.kind, "err", err)
			err = refuse(netcode.ErrCodeFailed, "the reply could not be encoded")
		}
	}
	code, msg := "", ""
	if err != nil {
		code, msg = replyCode(err)
	}
	r.met.requests.WithLabelValues(requestResult(code)).Inc()
	if c := m.conn.Load(); c != nil {
		c.QueueReply(in.id, code, msg, data)
	}
}

// answer carries out a request: the room's own, or the game's.
func (r *Room) answer(m *member, in *pendingInput) (any, error) {
	if strings.HasPrefix(in.kind, roomRequestPrefix) {
		return r.roomRequest(m, in)
	}
	g, ok := r.sim.(game.Requester)
	if !ok {
		return nil, refuse(netcode.ErrCodeUnknownRequest, "no request %q in %s rooms", in.kind, r.game)
	}
	p := m.player
	if m.spectator {
		p = 0
	}
	reply, err := g.Request(p, in.kind, in.payload)
	if err == nil && p != 0 {
		r.rec.request(p, in.kind, in.payload)
	}
	return reply, err
}

func (r *Room) roomRequest(m *member, in *pendingInput) (any, error) {
	switch in.kind {
	case RequestRoomInfo:
		return r.roomInfo(), nil
	case RequestRoomLock:
		var lock bool
		switch {
		case len(in.payload) == 1 && in.payload[0] == 0xc3: // msgpack true
			lock = true
		case len(in.payload) == 1 && in.payload[0] == 0xc2: // false
		default:
			return nil, refuse(netcode.ErrCodeBadRequest, "room.lock takes a bool")
		}
		if err := r.mustBeHost(m); err != nil {
			return nil, err
		}
		r.setLocked(lock, m.player)
		return lock, nil
	case RequestRoomKick:
		var p uint32
		if err := msgpack.Unmarshal(in.payload, &p); err != nil {
			return nil, refuse(netcode.ErrCodeBadRequest, "room.kick takes a player id")
		}
		if err := r.mustBeHost(m); err != nil {
			return nil, err
		}
		target := r.seated(game.PlayerID(p))
		switch {
		case target == nil:
			return nil, refuse(netcode.ErrCodeBadRequest, "no player %d in the room", p)
		case target == m:
			return nil, refuse(netcode.ErrCodeBadRequest, "the host cannot kick itself: leave instead")
		}
		r.kicked = append(r.kicked, target)
		return true, nil
	}
	return nil, refuse(netcode.ErrCodeUnknownRequest, "no room request %q", in.kind)
}

// setLocked locks or unlocks the room and tells its members, when that
// changes anything; by is the host who asked, 0 for the server.
func (r *Room) setLocked(lock bool, by game.PlayerID) {
	if r.locked == lock {
		return
	}
	r.locked = lock
	r.countMembers()
	r.broadcast(EventLocked, LockEvent{Player: uint32(by), Locked: lock})
}

// host is the seated player with the lowest id, or nil.
func (r *Room) host() *member {
	var h *member
	for _, m := range r.members {
		if !m.spectator && (h == nil || m.player < h.player) {
			h = m
		}
	}
	return h
}

func (r *Room) mustBeHost(m *member) error {
	if h := r.host(); h != m {
		return refuse(netcode.ErrCodeNotAllowed, "only the room's host (player %d) may", hostID(h))
	}
	return nil
}

func hostID(h *member) uint32 {
	if h == nil {
		return 0
	}
	return uint32(h.player)
}

// seated returns the seated member with player id p, or nil.
func (r *Room) seated(p game.PlayerID) *member {
	for _, m := range r.members {
		if m.player == p && !m.spectator {
			return m
		}
	}
	return nil
}

func (r *Room) roomInfo() *RoomInfoReply {
	players := r.roster()
	return &RoomInfoReply{
		ID:         r.id,
		Game:       r.game,
		MaxPlayers: r.cfg.MaxPlayers,
		Host:       hostID(r.host()),
		Locked:     r.locked,
		Private:    r.cfg.Private,
		Tick:       r.tick,
		Players:    players,
		Spectators: len(r.members) - len(players),
	}
}

// removeKicked ends the seats of the players the host kicked this tick,
// once the room no longer walks its members: a connected one is closed
// with CloseKicked (its seat ends when the connection does, as for any
// close that leaves for good), an away one is removed now.
func (r *Room) removeKicked() {
	for _, m := range r.kicked {
		if !r.isMember(m) {
			continue
		}
		if c := m.conn.Load(); c != nil {
			c.Close(netcode.CloseKicked, "kicked by the room's host", true)
		} else {
			r.remove(m)
		}
	}
	clear(r.kicked)
	r.kicked = r.kicked[:0]
}

// replyCode maps a request's error to the reply's code and message.
func replyCode(err error) (code, msg string) {
	var re *requestError
	switch {
	case errors.As(err, &re):
		return re.code, re.msg
	case errors.Is(err, game.ErrUnknownRequest):
		return netcode.ErrCodeUnknownRequest, err.Error()
	case errors.Is(err, game.ErrBadInput):
		return netcode.ErrCodeBadRequest, err.Error()
	case errors.Is(err, game.ErrRejected):
		return netcode.ErrCodeNotAllowed, err.Error()
	}
	return netcode.ErrCodeFailed, err.Error()
}

// requestResult is the metric label of a reply's code.
func requestResult(code string) string {
	if code == "" {
		return "ok"
	}
	return code
}
