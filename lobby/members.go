package lobby

import (
	"context"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// MemberInfo describes one member of a room, for operators and tests.
type MemberInfo struct {
	Player    uint32
	Name      string
	Spectator bool
	// Away is how long a dropped player has been gone; 0 while connected.
	Away time.Duration
	Conn netcode.Stats
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
		out[i] = MemberInfo{Player: uint32(m.player), Name: m.name, Spectator: m.spectator}
		if !m.awaySince.IsZero() {
			out[i].Away = r.clock.Now().Sub(m.awaySince)
		}
		if conn := m.conn.Load(); conn != nil {
			code, reason := conn.CloseStatus()
			out[i].Conn = conn.Stats()
			out[i].HeldTick, out[i].HeldPending = conn.HeldSnapshot()
			out[i].CloseCode, out[i].CloseReason = int(code), reason
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
