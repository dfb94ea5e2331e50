package netcode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// readLoop reads messages until the connection ends or starts closing.
// Protocol chores (pong, rate limits, sequence and shape checks) are
// handled here; the rest goes to h.
func (c *Conn) readLoop(h Handler) {
	now := time.Now()
	r := &reader{
		c:       c,
		h:       h,
		dec:     NewDecoder(),
		inputs:  newTokenBucket(c.cfg.InputRate, c.cfg.InputBurst, now),
		control: newTokenBucket(c.cfg.ControlRate, c.cfg.ControlBurst, now),
	}
	// Once the connection is closing nothing the client sends matters: a
	// kicked or flooding client's messages must not reach the handler.
	// Returning leaves what is still in flight to coder/websocket's close
	// handshake, which reads and discards data messages until the client's
	// close frame.
	for !c.isClosing() {
		// The read is not bound to a context: coder/websocket would tear the
		// connection down without a close frame when it ends. Close unblocks
		// it instead.
		typ, data, err := c.readMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.isClosing() { // closed while the read waited
			return
		}
		r.handle(typ, data)
	}
}

// readMessage reads one message into the connection's buffer, which the
// next read reuses: the decoded message (an input's payload) aliases it
// until then. coder/websocket's Read allocates a buffer per message.
func (c *Conn) readMessage() (websocket.MessageType, []byte, error) {
	if c.rbuf == nil {
		c.rbuf = make([]byte, 0, 256)
	}
	typ, b, err := ReadMessage(context.Background(), c.ws, c.rbuf[:0])
	if err == nil {
		c.rbuf = b
	}
	return typ, b, err
}

// ReadMessage reads the next message of ws into dst, growing it as
// needed, and returns it: coder/websocket's Read allocates a buffer per
// message, which a server (or a swarm of clients) pays on every one. The
// Go client uses it too.
func ReadMessage(ctx context.Context, ws *websocket.Conn, dst []byte) (websocket.MessageType, []byte, error) {
	typ, r, err := ws.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	b := dst
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return typ, b, nil
		}
		if err != nil {
			return 0, nil, err
		}
	}
}

// isClosing reports whether the connection has been asked to close, without
// the lock.
func (c *Conn) isClosing() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// reader is the state of a connection's reader goroutine; it needs no
// lock.
type reader struct {
	c   *Conn
	h   Handler
	dec *Decoder
	// inputs limits inputs and chat; control limits pongs and leave.
	inputs, control *tokenBucket
	lastSeq         uint32
	// dropStreak counts the messages that either bucket dropped in a row.
	dropStreak int
}

// handle handles one message.
func (r *reader) handle(typ websocket.MessageType, data []byte) {
	c := r.c
	if typ != websocket.MessageBinary {
		c.badMessage(ErrCodeBadMessage, "text frames are not part of the protocol: send binary msgpack")
		return
	}
	m, err := r.dec.Decode(data)
	if err != nil {
		code := ErrCodeBadMessage
		if errors.Is(err, ErrUnknownType) {
			code = ErrCodeUnknownType
		}
		c.badMessage(code, err.Error())
		return
	}
	switch m.Type {
	case MsgPong:
		if r.allow(r.control, &c.controlDropped, "pongs and leaves") {
			c.pong(m.Seq)
		}
	case MsgLeave:
		if r.allow(r.control, &c.controlDropped, "pongs and leaves") {
			r.h.HandleMessage(c, &m)
		}
	case MsgInput, MsgChat:
		if !r.allow(r.inputs, &c.inputsDropped, "inputs and chat messages") {
			c.rateLimited.Add(1)
			return
		}
		if m.Type == MsgInput {
			if m.Seq <= r.lastSeq {
				c.inputsDropped.Add(1)
				c.SendError(ErrCodeBadSeq, fmt.Sprintf("input seq %d not above %d: dropped", m.Seq, r.lastSeq))
				return
			}
			r.lastSeq = m.Seq
		}
		r.h.HandleMessage(c, &m)
	case MsgHello:
		// Counted among the bad messages, which bounds it: no bucket.
		c.badMessage(ErrCodeBadMessage, "hello was already received")
	default:
		c.badMessage(ErrCodeUnknownType, fmt.Sprintf("%s is a server message", m.Type))
	}
}

// allow takes a token from b for the message just read and reports whether
// it may be handled. One over the limit is dropped and counted in dropped;
// the first drop of a streak is answered with a rate_limited error, and
// FloodLimit drops in a row, from either bucket, close the connection with
// CloseFlood. A message that passes ends the streak.
func (r *reader) allow(b *tokenBucket, dropped *atomic.Uint64, what string) bool {
	if b.take(time.Now()) {
		r.dropStreak = 0
		return true
	}
	c := r.c
	dropped.Add(1)
	r.dropStreak++
	if r.dropStreak == 1 {
		c.SendError(ErrCodeRateLimited, fmt.Sprintf("over %g %s per second: dropped", b.rate, what))
	}
	if r.dropStreak >= c.cfg.FloodLimit {
		c.Close(CloseFlood, "flood: too many messages over the rate limit", true)
	}
	return false
}

// readFailed records why reading stopped, unless a close was already under
// way.
func (c *Conn) readFailed(err error) {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		c.Close(websocket.StatusMessageTooBig, fmt.Sprintf("message over %d bytes", c.cfg.ReadLimit), false)
	case websocket.CloseStatus(err) != -1:
		c.Close(websocket.CloseStatus(err), "closed by client", false)
	default:
		c.Close(websocket.StatusAbnormalClosure, "connection lost", false)
	}
}

func (c *Conn) badMessage(code, msg string) {
	n := c.badMessages.Add(1)
	c.SendError(code, msg)
	if n >= uint64(c.cfg.MaxBadMessages) {
		c.Close(CloseBadMessage, "too many bad messages", true)
	}
}

func (c *Conn) pong(id uint32) {
	last := c.lastPingID.Load()
	if id == 0 || id > last {
		c.badMessage(ErrCodeBadMessage, fmt.Sprintf("pong %d answers no ping", id))
		return
	}
	c.pongsApplied.Add(1)
	now := time.Now().UnixNano()
	c.lastPong.Store(now)
	if id == last {
		c.rtt.Store(now - c.pingSent.Load())
	}
}

// tokenBucket limits a connection's message rate. It belongs to the reader
// goroutine and needs no lock.
type tokenBucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
