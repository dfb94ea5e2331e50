package netcode

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// writeLoop is the connection's only writer: pending reliable messages
// first, in order, then the newest snapshot, then a heartbeat when due.
func (c *Conn) writeLoop(ctx context.Context) {
	ping := time.NewTicker(c.cfg.PingInterval)
	defer ping.Stop()
	c.deadline = newWriteDeadline(c)
	defer c.deadline.stop()
	var spare []outgoing
	var last *Snapshot // the last snapshot written: the base of the next delta
	buf := make([]byte, 0, 1024)
	for {
		closing, flush := c.closeState()
		if closing && !flush {
			return
		}
		items := c.reliable.swap(spare)
		for i := range items {
			if stop, flush := c.closeState(); stop && !flush {
				return
			}
			m := &items[i]
			frame := m.frame
			if m.event != nil {
				buf = AppendEvent(buf[:0], m.seq, m.event.Tick, m.event.Kind, m.event.Data)
				frame = buf
			}
			if !c.write(frame) {
				return
			}
			c.reliableWritten.Add(1)
		}
		clear(items) // drop references to shared events
		spare = items
		if closing {
			return
		}
		if snap, ack, ok := c.slot.take(); ok {
			payload, base := snap.Payload, uint32(0)
			if c.deltas.Load() {
				if d, ok := snap.deltaFrom(last); ok {
					payload, base = d, last.Tick
					c.deltasWritten.Add(1)
				}
			}
			buf = AppendSnapshot(buf[:0], snap.Tick, base, ack, payload)
			if !c.write(buf) {
				return
			}
			c.snapsWritten.Add(1)
			// The client now holds snap's full state: over an ordered,
			// reliable stream, what was written is what it will have.
			last = snap
		}
		select {
		case <-c.wake:
		case now := <-ping.C:
			if !c.heartbeat(now, &buf) {
				return
			}
		case <-ctx.Done():
			c.Close(CloseShuttingDown, "server shutting down", true)
		}
	}
}

// heartbeat drops a client whose pongs stopped, or sends the next ping.
func (c *Conn) heartbeat(now time.Time, buf *[]byte) bool {
	if silent := now.Sub(time.Unix(0, c.lastPong.Load())); silent > c.cfg.PongTimeout {
		c.Close(ClosePingTimeout, fmt.Sprintf("no pong for %v", silent.Round(time.Millisecond)), false)
		return false
	}
	id := c.lastPingID.Load() + 1
	c.pingSent.Store(now.UnixNano())
	c.lastPingID.Store(id)
	rtt := time.Duration(c.rtt.Load()).Milliseconds()
	*buf = AppendPing((*buf)[:0], id, now.UnixMilli(), c.tick.Load(), uint32(rtt))
	return c.write(*buf)
}

// writeDeadline bounds the writes of one connection with one watchdog
// timer, armed around each write, instead of a context with a deadline per
// write: coder/websocket arms a timer of its own for every write whose
// context can end, which costs allocations on the broadcast path. The
// writes get a context that never ends, and a write that overruns has its
// connection closed under it, which unblocks it.
type writeDeadline struct {
	watchdog *time.Timer
	expired  atomic.Bool
}

func newWriteDeadline(c *Conn) *writeDeadline {
	w := &writeDeadline{}
	w.watchdog = time.AfterFunc(time.Hour, func() {
		w.expired.Store(true)
		// Say why before the connection goes down, or the reader, seeing
		// it go, would record a lost connection instead.
		c.Close(CloseTooSlow, "too slow: write timed out", false)
		c.ws.CloseNow()
	})
	w.watchdog.Stop()
	return w
}

func (w *writeDeadline) stop() { w.watchdog.Stop() }

// write sends one message within the write timeout. A failed write closes
// the connection: coder/websocket has already torn it down.
func (c *Conn) write(p []byte) bool {
	w := c.deadline
	w.watchdog.Reset(c.cfg.WriteTimeout)
	err := c.ws.Write(context.Background(), websocket.MessageBinary, p)
	w.watchdog.Stop()
	if err != nil {
		if !w.expired.Load() {
			c.Close(websocket.StatusAbnormalClosure, "write failed", false)
		}
		return false
	}
	c.bytesWritten.Add(uint64(len(p)))
	return true
}
