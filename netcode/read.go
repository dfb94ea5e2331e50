package netcode

import (
	"context"
	"errors"
	"fmt"
	"io"
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
func (c *Conn) isClosing() bool { return c.closedFlag.Load() }

// reader is the state of a connection's reader goroutine; it needs no
// lock.
type reader struct {
	c   *Conn
	h   Handler
	dec *Decoder
	// inputs limits inputs, chat and requests; control limits pongs and
	// leave.
	inputs, control *tokenBucket
	lastSeq         uint32
	// msg is the message being handled, reused: a handler gets a pointer
	// to it, and escaping there, a message of its own would be allocated
	// on every read.
	msg Message
}

// handle handles one message.
func (r *reader) handle(typ websocket.MessageType, data []byte) {
	c := r.c
	if typ != websocket.MessageBinary {
		c.badMessage(ErrCodeBadMessage, "text frames are not part of the protocol: send binary msgpack")
		return
	}
	var err error
	r.msg, err = r.dec.Decode(data)
	m := &r.msg
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
		if r.allow(r.control, m) {
			c.pong(m.ID)
		}
	case MsgLeave:
		if r.allow(r.control, m) {
			r.h.HandleMessage(c, m)
		}
	case MsgInput, MsgChat, MsgRequest:
		if !r.allow(r.inputs, m) {
			return
		}
		if m.Type == MsgInput {
			if m.Seq <= r.lastSeq {
				c.inputsDropped.Add(1)
				c.SendError(ErrCodeBadSeq, fmt.Sprintf("input seq %d not above %d: dropped", m.Seq, r.lastSeq), m.Seq)
				return
			}
			r.lastSeq = m.Seq
		}
		r.h.HandleMessage(c, m)
	case MsgHello:
		// Counted among the bad messages, which bounds it: no bucket.
		c.badMessage(ErrCodeBadMessage, "hello was already received")
	default:
		c.badMessage(ErrCodeUnknownType, fmt.Sprintf("%s is a server message", m.Type))
	}
}

// allow takes a token from b for message m, just read, and reports whether
// it may be handled; one over the limit is dropped (Drop). A message that
// passes ends the streak of drops.
func (r *reader) allow(b *tokenBucket, m *Message) bool {
	if b.take(time.Now()) {
		r.c.dropStreak = 0
		return true
	}
	what := "inputs, chat messages and requests"
	if b == r.control {
		what = "pongs and leaves"
	}
	r.c.Drop(m, fmt.Sprintf("over %g %s per second", b.rate, what))
	return false
}

// Drop drops message m, read from the connection, over a rate limit: the
// connection's own, or one its Handler keeps (Handler runs on the reader
// goroutine, the only one that may call Drop). Every drop is answered
// once: a request by its reply, anything else by an error, both with code
// rate_limited and a message that starts with why; the error carries the
// input's seq (0 for other messages). FloodLimit drops in a row close the
// connection with CloseFlood.
func (c *Conn) Drop(m *Message, why string) {
	c.dropStreak++
	switch m.Type {
	case MsgPong, MsgLeave:
		c.controlDropped.Add(1)
	default:
		c.inputsDropped.Add(1)
		c.rateLimited.Add(1)
	}
	msg := why + ": " + m.Type.String() + " dropped"
	switch m.Type {
	case MsgRequest:
		c.SendReply(m.ID, ErrCodeRateLimited, msg, nil)
	case MsgInput:
		c.SendError(ErrCodeRateLimited, msg, m.Seq)
	default:
		c.SendError(ErrCodeRateLimited, msg, 0)
	}
	if c.dropStreak >= c.cfg.FloodLimit {
		c.Close(CloseFlood, "flood: too many messages over the rate limit", true)
	}
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
	c.SendError(code, msg, 0)
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
