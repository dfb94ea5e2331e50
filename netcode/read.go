package netcode

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// readLoop reads messages until the connection ends. Protocol chores (pong,
// rate limit, sequence and shape checks) are handled here; the rest goes to
// h.
func (c *Conn) readLoop(h Handler) {
	dec := NewDecoder()
	bucket := newTokenBucket(c.cfg.InputRate, c.cfg.InputBurst, time.Now())
	var lastSeq uint32
	dropStreak := 0
	for {
		// The read is not bound to a context: coder/websocket would tear the
		// connection down without a close frame when it ends. Close unblocks
		// it instead.
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.readFailed(err)
			return
		}
		if typ != websocket.MessageBinary {
			c.badMessage(ErrCodeBadMessage, "text frames are not part of the protocol: send binary msgpack")
			continue
		}
		m, err := dec.Decode(data)
		if err != nil {
			code := ErrCodeBadMessage
			if errors.Is(err, ErrUnknownType) {
				code = ErrCodeUnknownType
			}
			c.badMessage(code, err.Error())
			continue
		}
		switch m.Type {
		case MsgPong:
			c.pong(m.Seq)
		case MsgInput, MsgChat:
			if !bucket.take(time.Now()) {
				c.inputsDropped.Add(1)
				c.rateLimited.Add(1)
				dropStreak++
				if dropStreak == 1 {
					c.SendError(ErrCodeRateLimited, fmt.Sprintf("over %g messages/s: dropped", c.cfg.InputRate))
				}
				if dropStreak >= c.cfg.FloodLimit {
					c.Close(CloseFlood, "flood: too many messages over the rate limit", true)
					return
				}
				continue
			}
			dropStreak = 0
			if m.Type == MsgInput {
				if m.Seq <= lastSeq {
					c.inputsDropped.Add(1)
					c.SendError(ErrCodeBadSeq, fmt.Sprintf("input seq %d not above %d: dropped", m.Seq, lastSeq))
					continue
				}
				lastSeq = m.Seq
			}
			h.HandleMessage(c, &m)
		case MsgLeave:
			h.HandleMessage(c, &m)
		case MsgHello:
			c.badMessage(ErrCodeBadMessage, "hello was already received")
		default:
			c.badMessage(ErrCodeUnknownType, fmt.Sprintf("%s is a server message", m.Type))
		}
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
