package netcode

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/coder/websocket"
)

// The write path. A connection has no writer goroutine: a writer shard
// (Writers) calls flushNow when the connection has something to send, and
// everything pending then leaves in one write(2): the reliable messages in
// order, then the newest snapshot, then a ping when one is due. The write
// never waits. When the kernel takes only part (the client's socket buffer
// is full), the rest and the connection move to drain, a goroutine of the
// connection's own that exists only while it is behind: it waits for the
// client within the write timeout, meanwhile the connection's snapshots
// are conflated in its slot, and it hands the connection back once it has
// caught up. wmu is held by whoever is writing for the connection (a
// shard, drain or the close), so that the writes keep protocol order.

// flushNow writes what is pending, appending the frames to buf (the
// shard's, reused) and returning it. It is called by one shard at a time.
func (c *Conn) flushNow(buf []byte) []byte {
	if !c.started.Load() {
		return buf // Run flushes what was queued before it
	}
	if !c.wmu.TryLock() {
		// drain or the close is writing; each looks for more when done.
		return buf
	}
	if c.isClosing() {
		c.wmu.Unlock()
		return buf
	}
	buf = c.build(buf, false)
	if len(buf) == 0 {
		c.wmu.Unlock()
		return buf
	}
	_, more, err := c.raw.tryWrite(buf)
	switch {
	case errors.Is(err, errBusy):
		// Another write holds the socket (the library answering a ping on
		// a full socket, say): all of buf goes the slow way.
		c.slowBuf = append(c.slowBuf[:0], buf...)
		c.startDrain()
		return buf
	case err != nil:
		if !errors.Is(err, errCloseSent) { // refused before any write(2)
			c.writes.Add(1)
		}
		c.wmu.Unlock()
		c.writeFailed(err)
		return buf
	}
	c.writes.Add(1)
	// A remainder left pending is written by drain, or the connection
	// ends: it counts as written now.
	c.bytesWritten.Add(uint64(len(buf)))
	if more {
		c.slowBuf = c.slowBuf[:0]
		c.startDrain()
		return buf
	}
	c.wmu.Unlock()
	return buf
}

// startDrain hands the held wmu to a drain goroutine.
func (c *Conn) startDrain() {
	c.slowPaths.Add(1)
	// Added under closeMu, as the close's is, so that every Add is
	// ordered before or after the one where Run starts to wait.
	c.closeMu.Lock()
	c.wg.Add(1)
	c.closeMu.Unlock()
	go c.drain()
}

// drain is the slow path: it owns wmu until the connection has caught up,
// waiting for the client at most the write timeout per write. A client
// that does not take its bytes in time is closed as too slow.
func (c *Conn) drain() {
	defer c.wg.Done()
	buf := c.slowBuf
	for {
		if err := c.raw.writeAll(buf, c.cfg.WriteTimeout); err != nil {
			c.slowBuf = nil
			c.wmu.Unlock()
			c.writeFailed(err)
			return
		}
		if len(buf) > 0 {
			c.writes.Add(1)
			c.bytesWritten.Add(uint64(len(buf)))
		}
		if c.isClosing() {
			break
		}
		// What piled up meanwhile: the reliable messages, and only the
		// newest of the snapshots published while the client was behind.
		buf = c.build(buf[:0], false)
		if len(buf) == 0 {
			break
		}
	}
	c.slowBuf = nil
	c.wmu.Unlock()
	if !c.isClosing() && c.hasWork() {
		c.signal()
	}
}

// writeFailed closes a connection whose write failed or timed out. The
// socket is shut at once: a client that does not read would not read a
// close frame either.
//
// A socket closed under the write, or a close frame already sent, is not
// a failure of its own: the library closes the socket once it has answered
// the client's close frame, and the reader then reports the client's code. Recording 1006 there would race the
// reader and, when it won, hold the seat of a client that closed normally.
func (c *Conn) writeFailed(err error) {
	switch {
	case errors.Is(err, errCloseSent):
		return // the library's close handshake ends the socket
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.Close(CloseTooSlow, fmt.Sprintf("too slow: write timed out after %v", c.cfg.WriteTimeout), false)
	case errors.Is(err, net.ErrClosed):
	default:
		c.Close(websocket.StatusAbnormalClosure, "write failed", false)
	}
	c.ws.CloseNow()
}

// hasWork reports whether something waits to be written.
func (c *Conn) hasWork() bool {
	_, pending := c.slot.peek()
	return pending || c.reliable.len() > 0 || c.pingDue.Load()
}

// build appends to buf the frames of everything pending: the reliable
// messages in order, then, unless reliableOnly, the newest snapshot and a
// ping if one is due. wmu must be held.
func (c *Conn) build(buf []byte, reliableOnly bool) []byte {
	// The snapshot is taken before the reliable messages: a room queues a
	// tick's events before it publishes the tick's snapshot, so every
	// event queued before the snapshot taken is in the queue swapped
	// after, and goes out first.
	var snap *Snapshot
	var ack uint32
	var haveSnap bool
	if !reliableOnly {
		snap, ack, haveSnap = c.slot.take()
	}
	items := c.reliable.swap(c.spare)
	for i := range items {
		m := &items[i]
		if m.event != nil {
			start := len(buf)
			buf = beginFrame(buf)
			buf = AppendEvent(buf, m.seq, m.event.Tick, m.event.Kind, m.event.Data)
			buf = endFrame(buf, start)
		} else {
			buf = appendFrame(buf, m.frame)
		}
	}
	c.reliableWritten.Add(uint64(len(items)))
	clear(items) // drop references to shared events
	c.spare = items[:0]
	if haveSnap {
		payload, base := snap.Payload, uint32(0)
		if c.deltas.Load() {
			if d, ok := snap.deltaFrom(c.last); ok {
				payload, base = d, c.last.Tick
				c.deltasWritten.Add(1)
			}
		}
		start := len(buf)
		buf = beginFrame(buf)
		buf = AppendSnapshot(buf, snap.Tick, base, ack, payload)
		buf = endFrame(buf, start)
		c.snapsWritten.Add(1)
		// The client will hold snap's full state: over an ordered,
		// reliable stream, what is written is what it will have (or the
		// connection ends).
		c.last = snap
	}
	if !reliableOnly && c.pingDue.Swap(false) {
		now := time.Now()
		id := c.lastPingID.Load() + 1
		c.pingSent.Store(now.UnixNano())
		c.lastPingID.Store(id)
		rtt := time.Duration(c.rtt.Load()).Milliseconds()
		start := len(buf)
		buf = beginFrame(buf)
		buf = AppendPing(buf, id, now.UnixMilli(), c.tick.Load(), uint32(rtt))
		buf = endFrame(buf, start)
	}
	c.lastFlush.Store(time.Now().UnixNano())
	return buf
}

// heartbeat runs every ping interval on a timer: it closes a client whose
// pongs stopped, and otherwise makes a ping due. The ping rides with the
// next write (the room's next tick); only a connection nothing else writes
// to is flushed for it.
func (c *Conn) heartbeat() {
	if c.isClosing() {
		return
	}
	now := time.Now()
	if silent := now.Sub(time.Unix(0, c.lastPong.Load())); silent > c.cfg.PongTimeout {
		c.Close(ClosePingTimeout, fmt.Sprintf("no pong for %v", silent.Round(time.Millisecond)), false)
		return
	}
	c.pingDue.Store(true)
	if now.Sub(time.Unix(0, c.lastFlush.Load())) > c.cfg.PingInterval/4 {
		c.signal()
	}
	// Under the lock Run made the timer under: the timer's goroutine
	// would not otherwise see the field set.
	c.closeMu.Lock()
	if !c.closing {
		c.hb.Reset(c.cfg.PingInterval)
	}
	c.closeMu.Unlock()
}

// closeHandshake runs once the connection is asked to close (and Run has
// started): it waits for the write in progress, writes the reliable
// messages still queued when the close asked for them, and performs the
// WebSocket close handshake.
func (c *Conn) closeHandshake() {
	c.wmu.Lock()
	if _, flush := c.closeState(); flush {
		if buf := c.build(nil, true); len(buf) > 0 {
			if err := c.raw.writeAll(buf, c.cfg.WriteTimeout); err != nil {
				c.wmu.Unlock()
				c.ws.CloseNow()
				return
			}
			c.writes.Add(1)
			c.bytesWritten.Add(uint64(len(buf)))
		}
	}
	c.wmu.Unlock()
	code, reason := c.CloseStatus()
	c.ws.Close(code, reason)
}
