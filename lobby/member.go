package lobby

import (
	"fmt"
	"sync"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// DefaultInputsPerTick bounds a member's pending inputs between two ticks.
const DefaultInputsPerTick = 16

// pendingInput is an input waiting for the next tick.
type pendingInput struct {
	seq     uint32
	payload []byte
}

// member is one connection in a room: a player, or a spectator. The room
// goroutine owns every field but the inbox, which the connection's reader
// fills.
type member struct {
	room      *Room
	conn      *netcode.Conn
	player    game.PlayerID
	name      string
	spectator bool
	session   string
	eventSeq  uint32 // last event seq sent to this member
	ack       uint32 // last input seq applied

	inboxMu sync.Mutex
	inbox   []pendingInput
	spare   []pendingInput
}

var _ netcode.Handler = (*member)(nil)

// HandleMessage runs on the connection's reader goroutine.
func (m *member) HandleMessage(c *netcode.Conn, msg *netcode.Message) {
	switch msg.Type {
	case netcode.MsgInput:
		if m.spectator {
			c.SendError(netcode.ErrCodeNotAllowed, "spectators cannot send inputs")
			return
		}
		m.inboxMu.Lock()
		full := len(m.inbox) >= m.room.cfg.InputsPerTick
		if !full {
			m.inbox = append(m.inbox, pendingInput{seq: msg.Seq, payload: msg.Payload})
		}
		m.inboxMu.Unlock()
		if full {
			// Policy when full: drop the newest input and say so; the
			// client's seq acks show which inputs were applied.
			c.SendError(netcode.ErrCodeRateLimited, fmt.Sprintf("more than %d inputs in one tick: input %d dropped", m.room.cfg.InputsPerTick, msg.Seq))
		}
	case netcode.MsgChat:
		m.room.chat(m, msg.Text)
	case netcode.MsgLeave:
		c.Close(netcode.CloseLeft, "left", true)
	}
}

// takeInputs hands the room this tick's inputs. The returned slice is valid
// until the next call.
func (m *member) takeInputs() []pendingInput {
	m.inboxMu.Lock()
	defer m.inboxMu.Unlock()
	in := m.inbox
	clear(m.spare)
	m.inbox, m.spare = m.spare[:0], in
	return in
}
