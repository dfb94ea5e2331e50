package lobby

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// MaxChatRunes bounds one chat message.
const MaxChatRunes = 200

// joinCmd adds a connection to the room.
type joinCmd struct {
	conn  *netcode.Conn
	hello *netcode.Hello
	reply chan joinResult
	// state settles who owns the join when the joiner stops waiting:
	// 0 pending, 1 taken by the room, 2 abandoned by the joiner.
	state atomic.Int32
}

// abandon reports whether the joiner gave up before the room took the
// join; if not, the room's reply is on its way.
func (j *joinCmd) abandon() bool { return j.state.CompareAndSwap(0, 2) }

type joinResult struct {
	m   *member
	err error
}

func (j *joinCmd) apply(r *Room) {
	if !j.state.CompareAndSwap(0, 1) {
		return
	}
	m, err := r.join(j.conn, j.hello)
	j.reply <- joinResult{m: m, err: err}
}

func (r *Room) join(c *netcode.Conn, h *netcode.Hello) (*member, error) {
	players := int(r.stats.players.Load())
	spectators := int(r.stats.spectators.Load())
	if h.Spectator && spectators >= r.cfg.MaxSpectators {
		return nil, fmt.Errorf("%w: %d spectators", ErrRoomFull, spectators)
	}
	if !h.Spectator && players >= r.cfg.MaxPlayers {
		return nil, fmt.Errorf("%w: %d of %d seats taken", ErrRoomFull, players, r.cfg.MaxPlayers)
	}
	cfg, err := encodeConfig(r.sim.Config())
	if err != nil {
		return nil, err
	}
	r.nextPlayer++
	m := &member{
		room:      r,
		conn:      c,
		player:    r.nextPlayer,
		name:      cleanName(h.Name, r.nextPlayer),
		spectator: h.Spectator,
		session:   newToken(),
	}
	if !m.spectator {
		if err := r.sim.Join(m.player, m.name); err != nil {
			return nil, fmt.Errorf("lobby: join: %w", err)
		}
	}
	welcome := &netcode.Welcome{
		Player:    uint32(m.player),
		Session:   m.session,
		Room:      r.id,
		Game:      r.game,
		TickRate:  r.cfg.TickRate,
		Tick:      r.tick,
		Spectator: m.spectator,
		Players:   r.roster(),
	}
	if !m.spectator {
		welcome.Players = append(welcome.Players, netcode.Member{Player: uint32(m.player), Name: m.name})
	}
	welcome.Config = cfg
	if err := c.SendWelcome(welcome); err != nil {
		return nil, err
	}
	r.members = append(r.members, m)
	r.countMembers()
	if !m.spectator {
		r.broadcast("joined", PlayerEvent{Player: uint32(m.player), Name: m.name})
	}
	r.log.Debug("member joined", LogPlayer, m.player, "spectator", m.spectator)
	return m, nil
}

// PlayerEvent is the data of the joined and left events.
type PlayerEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32
	Name     string
}

// ChatEvent is the data of the chat event.
type ChatEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32
	Text     string
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
	const maxRunes = 24
	out := make([]rune, 0, maxRunes)
	for _, c := range s {
		if len(out) == maxRunes {
			break
		}
		if c >= ' ' && c != utf8.RuneError && c != 0x7f {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf("player-%d", p)
	}
	return string(out)
}

// newToken returns 128 random bits, hex-encoded.
func newToken() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// leaveCmd removes a member whose connection has ended.
type leaveCmd struct{ m *member }

func (l *leaveCmd) apply(r *Room) {
	for i, m := range r.members {
		if m != l.m {
			continue
		}
		r.members = append(r.members[:i], r.members[i+1:]...)
		r.countMembers()
		if !m.spectator {
			r.sim.Leave(m.player)
			r.broadcast("left", PlayerEvent{Player: uint32(m.player), Name: m.name})
		}
		r.log.Debug("member left", LogPlayer, m.player)
		return
	}
}

// chatCmd broadcasts a chat message.
type chatCmd struct {
	m    *member
	text string
}

func (c *chatCmd) apply(r *Room) {
	r.broadcast("chat", ChatEvent{Player: uint32(c.m.player), Text: c.text})
}

// chat runs on the member's reader goroutine. The command queue is shared
// with joins and leaves, so chat never waits for room in it: when the queue
// is full the message is refused with an error.
func (r *Room) chat(m *member, text string) {
	switch {
	case m.spectator:
		m.conn.SendError(netcode.ErrCodeNotAllowed, "spectators cannot chat")
		return
	case !utf8.ValidString(text) || text == "":
		m.conn.SendError(netcode.ErrCodeBadMessage, "chat text must be non-empty UTF-8")
		return
	case utf8.RuneCountInString(text) > MaxChatRunes:
		m.conn.SendError(netcode.ErrCodeBadMessage, fmt.Sprintf("chat text over %d characters", MaxChatRunes))
		return
	}
	select {
	case r.cmds <- &chatCmd{m: m, text: text}:
	case <-r.done:
	default:
		m.conn.SendError(netcode.ErrCodeRateLimited, "room busy: chat message dropped")
	}
}

// joinTimeout bounds how long a connection waits for a room to admit it.
const joinTimeout = 5 * time.Second

// MemberInfo describes one member of a room, for operators and tests.
type MemberInfo struct {
	Player    uint32
	Name      string
	Spectator bool
	Conn      netcode.Stats
	// HeldTick is the tick of the snapshot in the member's slot, and
	// HeldPending whether it is still unsent.
	HeldTick    uint32
	HeldPending bool
	// CloseCode is non-zero once the connection is closing.
	CloseCode   int
	CloseReason string
}

type membersCmd struct{ reply chan []MemberInfo }

func (c *membersCmd) apply(r *Room) {
	out := make([]MemberInfo, len(r.members))
	for i, m := range r.members {
		held, pending := m.conn.HeldSnapshot()
		code, reason := m.conn.CloseStatus()
		out[i] = MemberInfo{
			Player:      uint32(m.player),
			Name:        m.name,
			Spectator:   m.spectator,
			Conn:        m.conn.Stats(),
			HeldTick:    held,
			HeldPending: pending,
			CloseCode:   int(code),
			CloseReason: reason,
		}
	}
	c.reply <- out
}

// Members lists the room's members, asking the room goroutine.
func (r *Room) Members(ctx context.Context) ([]MemberInfo, error) {
	c := &membersCmd{reply: make(chan []MemberInfo, 1)}
	if err := r.send(ctx, c); err != nil {
		return nil, err
	}
	return await(ctx, r, c.reply)
}
