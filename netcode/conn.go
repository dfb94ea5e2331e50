package netcode

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults for Config.
const (
	DefaultReliableQueue  = 256
	DefaultWriteTimeout   = 5 * time.Second
	DefaultPingInterval   = 2 * time.Second
	DefaultPongTimeout    = 10 * time.Second
	DefaultHelloTimeout   = 5 * time.Second
	DefaultReadLimit      = 4096
	DefaultInputRate      = 60
	DefaultInputBurst     = 30
	DefaultControlRate    = 4
	DefaultControlBurst   = 16
	DefaultFloodLimit     = 120
	DefaultMaxBadMessages = 10
)

// Config tunes one connection. Zero fields take the Default values.
type Config struct {
	// ReliableQueue bounds the reliable lane; overflow closes with
	// CloseTooSlow.
	ReliableQueue int
	// WriteTimeout bounds every write; a write that times out ends the
	// connection.
	WriteTimeout time.Duration
	// PingInterval is how often the server pings.
	PingInterval time.Duration
	// PongTimeout: a client whose last pong is older than this is closed
	// with ClosePingTimeout.
	PongTimeout time.Duration
	// HelloTimeout: a client that sends no hello this long after connecting
	// is closed with CloseHelloTimeout.
	HelloTimeout time.Duration
	// ReadLimit is the largest message accepted, in bytes; a larger one
	// closes the connection with 1009 (message too big).
	ReadLimit int64
	// InputRate and InputBurst are the token bucket for inputs, chat and
	// requests, in messages per second. Messages past it are dropped, each
	// answered (Conn.Drop).
	InputRate  float64
	InputBurst int
	// ControlRate and ControlBurst are a second token bucket, for the
	// other messages a client sends many of: pongs and leave. A client
	// sends one pong per ping, so zero ControlRate is DefaultControlRate,
	// or two per PingInterval when that is more; Validate refuses a rate
	// below one per PingInterval, which would drop an honest client's
	// pongs. Messages past it are dropped with an error. (A second hello,
	// and any other message, is a bad message, of which the connection
	// allows MaxBadMessages in all.)
	ControlRate  float64
	ControlBurst int
	// FloodLimit: this many messages dropped by either rate limit in a row
	// close the connection with CloseFlood.
	FloodLimit int
	// MaxBadMessages: this many malformed or unknown messages close the
	// connection with CloseBadMessage.
	MaxBadMessages int
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.ReliableQueue, DefaultReliableQueue)
	def(&c.InputBurst, DefaultInputBurst)
	def(&c.ControlBurst, DefaultControlBurst)
	def(&c.FloodLimit, DefaultFloodLimit)
	def(&c.MaxBadMessages, DefaultMaxBadMessages)
	defDur(&c.WriteTimeout, DefaultWriteTimeout)
	defDur(&c.PingInterval, DefaultPingInterval)
	defDur(&c.PongTimeout, DefaultPongTimeout)
	defDur(&c.HelloTimeout, DefaultHelloTimeout)
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.InputRate <= 0 {
		c.InputRate = DefaultInputRate
	}
	if c.ControlRate <= 0 {
		c.ControlRate = max(DefaultControlRate, 2/c.PingInterval.Seconds())
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.PongTimeout <= c.PingInterval {
		return fmt.Errorf("netcode: pong timeout %v must be longer than the ping interval %v", c.PongTimeout, c.PingInterval)
	}
	if c.ControlRate*c.PingInterval.Seconds() < 1 {
		return fmt.Errorf("netcode: control rate %g/s is below one pong per ping interval %v", c.ControlRate, c.PingInterval)
	}
	return nil
}

// Stats are a connection's counters.
type Stats struct {
	SnapshotsWritten uint64
	// DeltasWritten counts the snapshots written as deltas.
	DeltasWritten      uint64
	SnapshotsConflated uint64
	ReliableWritten    uint64
	BytesWritten       uint64
	// InputsDropped counts the inputs, chat messages and requests dropped
	// by the connection and its handler: InputsRateLimited of them over a
	// rate limit, the rest for a seq that did not increase.
	InputsDropped     uint64
	InputsRateLimited uint64
	// PongsApplied counts the pongs that passed the control rate limit and
	// answered a ping.
	PongsApplied uint64
	// ControlDropped counts the pongs and leaves dropped over the control
	// rate limit.
	ControlDropped uint64
	BadMessages    uint64
	ReliableDepth  int
	// RTT is the round trip of the last answered ping.
	RTT time.Duration
	// Writes counts the writes netcode made to the socket: one per flush
	// (everything pending at once), plus the slow path's.
	Writes uint64
	// SlowPaths counts the times the connection fell behind: the kernel
	// did not take a whole flush and the rest went the slow way.
	SlowPaths uint64
}

// Handler receives a connection's messages that netcode does not handle
// itself: inputs, chat, requests and leave. It runs on the connection's
// reader goroutine and must not block for long. The message and its byte
// fields (Payload) are the reader's, reused for the next message: a
// handler that keeps them copies them. A handler that drops a message over
// a limit of its own says so with Conn.Drop, so that the client hears of
// it as of any other drop.
type Handler interface {
	HandleMessage(c *Conn, m *Message)
}

// Conn is one client connection. The goroutine that calls Run reads; a
// writer shard writes (see write.go), so that in the steady state a
// connection has one goroutine.
type Conn struct {
	ws  *websocket.Conn
	raw *rawConn
	cfg Config

	reliable reliableQueue
	slot     snapshotSlot

	shard   *shard
	queued  atomic.Bool // in the shard's queue
	started atomic.Bool // Run has started: the shard may write
	// wmu is held by whoever writes for the connection: the shard's
	// flushNow, drain, or the close. The fields after it are theirs.
	wmu     sync.Mutex
	last    *Snapshot // the last snapshot written: the base of the next delta
	spare   []outgoing
	slowBuf []byte
	pingDue atomic.Bool
	hb      *time.Timer
	// lastFlush is when frames were last built, in unix nanos: a ping
	// waits for the next flush unless the connection has gone quiet.
	lastFlush atomic.Int64
	// wg counts drain and the close handshake; Run waits for them.
	wg sync.WaitGroup
	// rbuf is the reader's message buffer, reused from message to message.
	rbuf []byte
	// dropStreak counts the messages dropped over a rate limit in a row;
	// the reader goroutine owns it.
	dropStreak int

	closeMu     sync.Mutex
	closing     bool
	flush       bool
	running     bool // Run has started: Close starts the handshake
	closeCode   websocket.StatusCode
	closeReason string
	closed      chan struct{} // closed by Close once the closing fields are set
	// closedFlag is set just before closed is closed: the writers and the
	// reader check it on every message, and a load is cheaper than a
	// select on the channel.
	closedFlag atomic.Bool

	tick       atomic.Uint32 // newest published tick, for pings
	lastPingID atomic.Uint32
	pingSent   atomic.Int64 // unix nanos of the last ping
	lastPong   atomic.Int64 // unix nanos of the last valid pong
	rtt        atomic.Int64

	deltas          atomic.Bool
	snapsWritten    atomic.Uint64
	deltasWritten   atomic.Uint64
	conflated       atomic.Uint64
	reliableWritten atomic.Uint64
	bytesWritten    atomic.Uint64
	inputsDropped   atomic.Uint64
	rateLimited     atomic.Uint64
	pongsApplied    atomic.Uint64
	controlDropped  atomic.Uint64
	badMessages     atomic.Uint64
	writes          atomic.Uint64
	slowPaths       atomic.Uint64
}

// NewConn serves an accepted socket, written by w's shards. The caller has
// already checked the subprotocol (see CheckSubprotocol).
func NewConn(s *Socket, cfg Config, w *Writers) *Conn {
	cfg = cfg.withDefaults()
	s.WS.SetReadLimit(cfg.ReadLimit)
	c := &Conn{
		ws:     s.WS,
		raw:    s.raw,
		cfg:    cfg,
		shard:  w.assign(),
		closed: make(chan struct{}),
	}
	c.reliable.limit = cfg.ReliableQueue
	return c
}

// CheckSubprotocol closes ws with CloseBadVersion unless the client
// negotiated this protocol version, and reports whether it did.
func CheckSubprotocol(ws *websocket.Conn) bool {
	if ws.Subprotocol() == Subprotocol {
		return true
	}
	ws.Close(CloseBadVersion, "unsupported protocol version: offer subprotocol "+Subprotocol)
	return false
}

// ReadHello waits for the client's hello. On failure it closes the
// connection with CloseHelloTimeout or CloseBadHello and returns an error.
func (c *Conn) ReadHello(ctx context.Context) (*Hello, error) {
	// coder/websocket tears the connection down when a read context expires,
	// which would lose the close code; a timer that closes properly keeps it.
	var timedOut atomic.Bool
	fired := make(chan struct{})
	timer := time.AfterFunc(c.cfg.HelloTimeout, func() {
		defer close(fired)
		timedOut.Store(true)
		c.Reject(CloseHelloTimeout, "no hello within "+c.cfg.HelloTimeout.String())
	})
	typ, data, err := c.ws.Read(ctx)
	if !timer.Stop() {
		<-fired
	}
	if timedOut.Load() {
		return nil, fmt.Errorf("netcode: read hello: %w", ErrHelloTimeout)
	}
	if err != nil {
		// The library has already sent its close frame when it can (1009
		// for a hello over the read limit) but leaves the connection open:
		// a client that never answers would hold it for ever.
		c.ws.CloseNow()
		return nil, fmt.Errorf("netcode: read hello: %w", err)
	}
	if typ != websocket.MessageBinary {
		c.Reject(CloseBadHello, "first message must be a binary msgpack hello")
		return nil, errors.New("netcode: read hello: text frame")
	}
	m, err := NewDecoder().Decode(data)
	if err == nil && m.Type != MsgHello {
		err = fmt.Errorf("got %s: %w", m.Type, ErrMalformed)
	}
	if err != nil {
		c.Reject(CloseBadHello, "first message must be hello [1, {...}]")
		return nil, fmt.Errorf("netcode: read hello: %w", err)
	}
	return m.Hello, nil
}

// ErrHelloTimeout is returned by ReadHello when the client said nothing.
var ErrHelloTimeout = errors.New("no hello before the timeout")

// Reject closes a connection that never ran, with a close code and reason.
func (c *Conn) Reject(code websocket.StatusCode, reason string) {
	c.ws.Close(code, truncateReason(reason))
}

// truncateReason keeps a close reason within the 123 bytes a close frame
// allows.
func truncateReason(s string) string {
	if len(s) > 120 {
		return s[:120]
	}
	return s
}

// SendEvent queues an event with the recipient's seq and has it written.
// It reports false, and closes the connection with CloseTooSlow, when the
// reliable lane is full.
func (c *Conn) SendEvent(seq uint32, ev *Event) bool {
	return c.enqueue(outgoing{event: ev, seq: seq}) && c.Flush()
}

// QueueEvent is SendEvent without the write: the event leaves with the next
// flush (the room's next snapshot, or Flush), so that what a tick sends a
// client leaves in one write.
func (c *Conn) QueueEvent(seq uint32, ev *Event) bool {
	return c.enqueue(outgoing{event: ev, seq: seq})
}

// QueueError is SendError without the write, as QueueEvent.
func (c *Conn) QueueError(code, message string, seq uint32) bool {
	return c.enqueue(outgoing{frame: AppendError(nil, code, message, seq)})
}

// QueueReply queues the reply to request id, as QueueEvent: code "" with
// data (raw msgpack, empty for nil) for a success, an error code and
// message for a failure.
func (c *Conn) QueueReply(id uint32, code, message string, data []byte) bool {
	return c.enqueue(outgoing{frame: AppendReply(nil, id, code, message, data)})
}

// Flush has what is queued written soon, by the connection's writer shard.
// It never blocks, and reports true for chaining.
func (c *Conn) Flush() bool {
	c.signal()
	return true
}

// SendWelcome queues the welcome message.
func (c *Conn) SendWelcome(w *Welcome) error {
	frame, err := AppendWelcome(nil, w)
	if err != nil {
		return err
	}
	if c.enqueue(outgoing{frame: frame}) {
		c.Flush()
	}
	return nil
}

// SendError queues an error message about the input with seq (0: about
// no input) and has it written.
func (c *Conn) SendError(code, message string, seq uint32) bool {
	return c.QueueError(code, message, seq) && c.Flush()
}

// SendReply queues the reply to request id and has it written.
func (c *Conn) SendReply(id uint32, code, message string, data []byte) bool {
	return c.QueueReply(id, code, message, data) && c.Flush()
}

func (c *Conn) enqueue(m outgoing) bool {
	if !c.reliable.push(m) {
		c.Close(CloseTooSlow, "too slow: reliable queue overflowed", false)
		return false
	}
	return true
}

// PublishSnapshot puts snap in the connection's latest-wins slot with the
// recipient's acknowledged input seq. It never blocks.
func (c *Conn) PublishSnapshot(snap *Snapshot, ack uint32) {
	c.tick.Store(snap.Tick)
	if c.slot.put(snap, ack) {
		c.conflated.Add(1)
	}
	c.signal()
}

// signal puts the connection in its shard's queue, once.
func (c *Conn) signal() {
	if c.queued.CompareAndSwap(false, true) {
		c.shard.push(c)
	}
}

// SetDeltas lets the writer send snapshots as deltas against the last one
// it wrote, when the snapshots allow it (Snapshot.Policy). The client must
// have asked for them: it needs the game's Patch to rebuild each state.
func (c *Conn) SetDeltas(on bool) { c.deltas.Store(on) }

// DeltasOn reports whether SetDeltas turned deltas on.
func (c *Conn) DeltasOn() bool { return c.deltas.Load() }

// Close asks the connection to close with code and reason. With flush, the
// reliable messages queued so far are written first. It does not block; the
// first call's code wins.
func (c *Conn) Close(code websocket.StatusCode, reason string, flush bool) {
	c.closeMu.Lock()
	if c.closing {
		c.closeMu.Unlock()
		return
	}
	c.closing, c.flush = true, flush
	c.closeCode, c.closeReason = code, truncateReason(reason)
	running := c.running
	if running {
		// Counted before the reader can see the close and Run wait.
		c.wg.Add(1)
	}
	c.closedFlag.Store(true)
	close(c.closed)
	c.closeMu.Unlock()
	if running {
		c.startClose()
	}
}

// startClose starts the close handshake, counted in wg; Run waits for it.
func (c *Conn) startClose() {
	go func() {
		defer c.wg.Done()
		c.closeHandshake()
	}()
}

// Done is closed once the connection has been asked to close.
func (c *Conn) Done() <-chan struct{} { return c.closed }

// CloseStatus returns the code and reason the connection closed (or is
// closing) with.
func (c *Conn) CloseStatus() (websocket.StatusCode, string) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closeCode, c.closeReason
}

func (c *Conn) closeState() (closing, flush bool) {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.closing, c.flush
}

// Stats returns the connection's counters.
func (c *Conn) Stats() Stats {
	return Stats{
		SnapshotsWritten:   c.snapsWritten.Load(),
		DeltasWritten:      c.deltasWritten.Load(),
		SnapshotsConflated: c.conflated.Load(),
		ReliableWritten:    c.reliableWritten.Load(),
		BytesWritten:       c.bytesWritten.Load(),
		InputsDropped:      c.inputsDropped.Load(),
		InputsRateLimited:  c.rateLimited.Load(),
		PongsApplied:       c.pongsApplied.Load(),
		ControlDropped:     c.controlDropped.Load(),
		BadMessages:        c.badMessages.Load(),
		ReliableDepth:      c.reliable.len(),
		RTT:                time.Duration(c.rtt.Load()),
		Writes:             c.writes.Load(),
		SlowPaths:          c.slowPaths.Load(),
	}
}

// HeldSnapshot returns the tick of the snapshot in the volatile slot and
// whether it is still unsent.
func (c *Conn) HeldSnapshot() (tick uint32, pending bool) { return c.slot.peek() }

// Run serves the connection until it closes: it reads in the calling
// goroutine, while the writer shard writes, and returns once the close
// handshake and any slow write are over. ctx ending closes the connection
// with CloseShuttingDown, after its queued reliable messages.
func (c *Conn) Run(ctx context.Context, h Handler) {
	c.lastPong.Store(time.Now().UnixNano())
	c.lastFlush.Store(time.Now().UnixNano())
	c.closeMu.Lock()
	c.running = true
	closing := c.closing
	// The heartbeat's timer is made under the lock that Close takes, so
	// that it exists before anything that stops it looks.
	c.hb = time.AfterFunc(c.cfg.PingInterval, c.heartbeat)
	c.closeMu.Unlock()
	if closing {
		c.wg.Add(1)
		c.startClose()
	}
	stop := context.AfterFunc(ctx, func() { c.Close(CloseShuttingDown, "server shutting down", true) })
	c.started.Store(true)
	c.signal() // what was queued before Run (the welcome)
	c.readLoop(h)
	stop()
	// An empty critical section on purpose: it orders every Add made
	// under closeMu (startDrain, Close) before or after this Wait.
	c.closeMu.Lock()
	//lint:ignore SA2001 the lock is the point, see above
	c.closeMu.Unlock()
	c.wg.Wait()
	c.closeMu.Lock()
	c.hb.Stop()
	c.closeMu.Unlock()
}
