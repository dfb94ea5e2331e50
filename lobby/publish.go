package lobby

import (
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

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
				snap = r.snapshot(r.viewer.AppendView(make([]byte, 0, sizeHint(r.viewSize)), area), &r.viewSize)
				r.views[area] = snap
			}
		} else {
			if whole == nil {
				whole = r.snapshot(r.sim.AppendSnapshot(make([]byte, 0, sizeHint(r.snapSize))), &r.snapSize)
				if r.prevWhole != nil && c.DeltasOn() {
					// What a member that is keeping up last got, so the
					// base of its delta.
					whole.PrepareDelta(r.prevWhole)
				}
			}
			snap = whole
		}
		c.PublishSnapshot(snap, m.ack)
		published++
	}
	r.prevWhole = whole
	r.queued = false // the events of the tick leave with its snapshots
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

// sizeHint is the buffer to allocate for a payload whose last one was n
// bytes: a little more, so that a growing state rarely copies.
func sizeHint(n int) int { return n + n/4 + 64 }

// snapshot wraps one encoded payload and remembers its size in *size, the
// hint for the next buffer of its kind. The payload is shared by every slot
// it goes to until it is sent, so each one gets a fresh buffer.
func (r *Room) snapshot(payload []byte, size *int) *netcode.Snapshot {
	r.snapID++
	*size = len(payload)
	r.stats.SnapshotsEncoded++
	r.stats.SnapshotBytes = len(payload)
	r.met.snapshotBytes.Observe(float64(len(payload)))
	return &netcode.Snapshot{Tick: r.tick, ID: r.snapID, Payload: payload, Policy: r.deltas}
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
