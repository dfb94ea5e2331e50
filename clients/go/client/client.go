package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// Options configure Dial.
type Options struct {
	// Hello is sent as the first message.
	Hello netcode.Hello
	// HTTPClient dials the WebSocket; nil uses http.DefaultClient.
	HTTPClient *http.Client
	// HTTPHeader is sent with the handshake.
	HTTPHeader http.Header
	// ReadLimit bounds one server message; 0 means 1 MiB.
	ReadLimit int64
	// Subprotocol overrides the protocol version offered; tests use it.
	Subprotocol string
	// Patch, when set, is the game's delta patcher (game.Type.Patch, e.g.
	// from snake.Type): the client asks for delta snapshots and rebuilds
	// each full state with it, so Next always returns full payloads.
	Patch func(dst, base, delta []byte) ([]byte, error)
	// MaxRedirects bounds how many times Dial follows a redirect to
	// another server of a cluster (netcode.CloseRedirect): 0 means
	// DefaultMaxRedirects, negative none.
	MaxRedirects int
	// PlayerKey, when set, is sent as the hello's key (unless Hello.Key
	// is set): a secret of 16 to 128 printable ASCII characters that the
	// program keeps, so that a server with a store knows the player when
	// it comes back (Client.PlayerID). NewPlayerKey makes one. Without
	// it the player is a guest.
	PlayerKey string
}

// DefaultMaxRedirects is how many redirects Dial follows by default: a
// quick play can be sent on once or twice while the cluster's directory
// catches up.
const DefaultMaxRedirects = 3

// Client is a connection to a tickroom server.
type Client struct {
	ws      *websocket.Conn
	url     string
	welcome *netcode.Welcome
	dec     *netcode.Decoder
	seq     atomic.Uint32
	lastEv  atomic.Uint32
	rtt     atomic.Uint32

	reqMu   sync.Mutex
	nextReq uint32
	waiting map[uint32]chan reply // by request id

	patch func(dst, base, delta []byte) ([]byte, error)
	// state is the full payload of the last snapshot, the base of the next
	// delta; spare is the buffer the next patch writes into.
	state, spare []byte
	stateTick    uint32
	deltas       atomic.Uint64

	wmu sync.Mutex // guards buf
	buf []byte
	// rbuf is the read buffer, reused from message to message.
	rbuf []byte
}

// Dial connects, says hello and waits for the welcome. A refused join
// returns an error from which websocket.CloseStatus gives the close code.
//
// A server of a cluster may answer that another one hosts the room
// (netcode.CloseRedirect, with that server's URL as the reason); Dial then
// sends the same hello there, up to Options.MaxRedirects times. URL says
// where the client ended up.
func Dial(ctx context.Context, url string, opts Options) (*Client, error) {
	limit := opts.MaxRedirects
	if limit == 0 {
		limit = DefaultMaxRedirects
	}
	for redirects := 0; ; redirects++ {
		c, err := dialOnce(ctx, url, opts)
		var ce websocket.CloseError
		if err == nil || !errors.As(err, &ce) || ce.Code != netcode.CloseRedirect || redirects >= limit {
			return c, err
		}
		if !strings.HasPrefix(ce.Reason, "ws://") && !strings.HasPrefix(ce.Reason, "wss://") {
			return nil, fmt.Errorf("client: redirected to %q, not a WebSocket URL: %w", ce.Reason, err)
		}
		url = ce.Reason
	}
}

// URL returns the URL of the server the client is connected to: the one
// dialled, or the last redirect's.
func (c *Client) URL() string { return c.url }

func dialOnce(ctx context.Context, url string, opts Options) (*Client, error) {
	proto := opts.Subprotocol
	if proto == "" {
		proto = netcode.Subprotocol
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient:   opts.HTTPClient,
		HTTPHeader:   opts.HTTPHeader,
		Subprotocols: []string{proto},
	})
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", url, err)
	}
	limit := opts.ReadLimit
	if limit == 0 {
		limit = 1 << 20
	}
	ws.SetReadLimit(limit)
	c := &Client{ws: ws, url: url, dec: netcode.NewDecoder(), patch: opts.Patch, waiting: make(map[uint32]chan reply)}
	h := opts.Hello
	h.Deltas = h.Deltas || opts.Patch != nil
	if h.Key == "" {
		h.Key = opts.PlayerKey
	}
	hello, err := netcode.AppendHello(nil, &h)
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	if err := ws.Write(ctx, websocket.MessageBinary, hello); err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("client: send hello: %w", err)
	}
	m, err := c.Next(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("client: wait for welcome: %w", err)
	}
	if m.Type != netcode.MsgWelcome {
		c.Close()
		return nil, fmt.Errorf("client: got %s before welcome", m.Type)
	}
	c.welcome = m.Welcome
	// Events go on from here: 0 for a new player, the hello's lastEvent on a
	// resume, the newest event on a resume that lost its history.
	c.lastEv.Store(m.Welcome.LastEvent)
	return c, nil
}

// Welcome returns what the server said on joining.
func (c *Client) Welcome() *netcode.Welcome { return c.welcome }

// PlayerID returns the stable player id the server knows the player key
// as, the same across rooms, connections and restarts; 0 for a guest (no
// key, or a server that keeps no players or could not look it up).
func (c *Client) PlayerID() int64 { return c.welcome.PlayerID }

// RTT returns the round trip the server last measured, in milliseconds.
func (c *Client) RTT() uint32 { return c.rtt.Load() }

// LastEvent returns the seq of the last event received, for resuming.
func (c *Client) LastEvent() uint32 { return c.lastEv.Load() }

// Next returns the next event, snapshot, error, history or welcome. It
// answers pings itself, and hands each reply to the Request waiting for
// it; it returns the replies nobody waits for (a Request that gave up).
// A history (netcode.MsgHistory) comes once, right after the welcome of a
// join, when the room has chat: its History holds the room's last chat
// lines, oldest first, said before the player joined; the chat said since
// comes as chat events. After
// the server closes, the error carries the close code
// (websocket.CloseStatus). The message's byte fields (Payload) are valid
// until the next call to Next, which reuses the buffer they point into.
func (c *Client) Next(ctx context.Context) (netcode.Message, error) {
	for {
		typ, data, err := c.read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				// The connection is done: no reply will come.
				c.failRequests(err)
			}
			return netcode.Message{}, err
		}
		if typ != websocket.MessageBinary {
			return netcode.Message{}, errors.New("client: server sent a text frame")
		}
		m, err := c.dec.Decode(data)
		if err != nil {
			return m, fmt.Errorf("client: %w", err)
		}
		switch m.Type {
		case netcode.MsgPing:
			c.rtt.Store(m.RTTMillis)
			if err := c.send(ctx, func(b []byte) []byte { return netcode.AppendPong(b, m.ID) }); err != nil {
				return m, err
			}
			continue
		case netcode.MsgReply:
			if c.answer(&m) {
				continue
			}
		case netcode.MsgEvent:
			c.lastEv.Store(m.Seq)
		case netcode.MsgSnapshot:
			if err := c.rebuild(&m); err != nil {
				return m, err
			}
		}
		return m, nil
	}
}

// read reads one message into the client's buffer, reused from message
// to message (a swarm of bots would pay dearly for one per message).
func (c *Client) read(ctx context.Context) (websocket.MessageType, []byte, error) {
	typ, b, err := netcode.ReadMessage(ctx, c.ws, c.rbuf[:0])
	if err == nil {
		c.rbuf = b
	}
	return typ, b, err
}

// rebuild turns a delta snapshot into the full state it stands for, and
// remembers the state as the base of the next one, in a buffer of its own
// (the read buffer is reused). Payload stays valid until the next call to
// Next.
func (c *Client) rebuild(m *netcode.Message) error {
	next := c.spare[:0]
	if m.Base != 0 {
		if c.patch == nil || c.state == nil || m.Base != c.stateTick {
			return fmt.Errorf("client: delta snapshot of tick %d against tick %d, but the client holds tick %d", m.Tick, m.Base, c.stateTick)
		}
		full, err := c.patch(next, c.state, m.Payload)
		if err != nil {
			return fmt.Errorf("client: patch snapshot %d: %w", m.Tick, err)
		}
		c.deltas.Add(1)
		next = full
	} else {
		next = append(next, m.Payload...)
	}
	c.spare, c.state, c.stateTick = c.state, next, m.Tick
	m.Payload = next
	return nil
}

// Deltas counts the snapshots that arrived as deltas.
func (c *Client) Deltas() uint64 { return c.deltas.Load() }

// SendInput sends a game input payload (msgpack-encoded) and returns its
// seq; snapshots acknowledge it once the room has applied it.
func (c *Client) SendInput(ctx context.Context, payload []byte) (uint32, error) {
	seq := c.seq.Add(1)
	return seq, c.send(ctx, func(b []byte) []byte { return netcode.AppendInput(b, seq, payload) })
}

// SendChat sends a chat message to the room.
func (c *Client) SendChat(ctx context.Context, text string) error {
	return c.send(ctx, func(b []byte) []byte { return netcode.AppendChat(b, text) })
}

// SendRaw sends bytes as one binary message, protocol or not; tests use it.
func (c *Client) SendRaw(ctx context.Context, typ websocket.MessageType, p []byte) error {
	return c.ws.Write(ctx, typ, p)
}

func (c *Client) send(ctx context.Context, enc func([]byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.buf = enc(c.buf[:0])
	if err := c.ws.Write(ctx, websocket.MessageBinary, c.buf); err != nil {
		return fmt.Errorf("client: send: %w", err)
	}
	return nil
}

// Leave tells the server the player is leaving for good and closes.
func (c *Client) Leave(ctx context.Context) error {
	if err := c.send(ctx, netcode.AppendLeave); err != nil {
		return err
	}
	// The server answers with a close frame; read until it arrives.
	for {
		if _, err := c.Next(ctx); err != nil {
			if websocket.CloseStatus(err) == netcode.CloseLeft {
				return nil
			}
			return err
		}
	}
}

// Close closes the connection normally.
func (c *Client) Close() error {
	return c.ws.Close(websocket.StatusNormalClosure, "")
}

// CloseNow drops the connection without a close handshake, as a lost
// network would.
func (c *Client) CloseNow() error { return c.ws.CloseNow() }

// RequestError is a request's error reply: Code is one of the protocol's
// error codes (netcode.ErrCodeUnknownRequest and the others).
type RequestError struct {
	Code, Message string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("client: request refused: %s: %s", e.Code, e.Message)
}

// reply is what a waiting Request gets.
type reply struct {
	data []byte
	err  error
}

// Request sends a request of kind with data (msgpack-encoded; nil for
// none) and waits for its reply, returning the reply's data (raw msgpack)
// or a *RequestError. Replies arrive through Next: Request needs a
// goroutine that keeps calling Next, as a client's read loop does. It
// gives up when ctx ends, with ctx's error (a reply that comes later is
// returned by Next), and when the connection ends, with an error from
// which websocket.CloseStatus gives the close code.
func (c *Client) Request(ctx context.Context, kind string, data []byte) ([]byte, error) {
	ch := make(chan reply, 1)
	c.reqMu.Lock()
	c.nextReq++
	id := c.nextReq
	c.waiting[id] = ch
	c.reqMu.Unlock()
	defer func() {
		c.reqMu.Lock()
		delete(c.waiting, id)
		c.reqMu.Unlock()
	}()
	if err := c.send(ctx, func(b []byte) []byte { return netcode.AppendRequest(b, id, kind, data) }); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.data, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("client: request %q: %w", kind, ctx.Err())
	}
}

// failRequests ends every waiting Request with err: the connection that
// would have brought their replies has ended.
func (c *Client) failRequests(err error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	for id, ch := range c.waiting {
		delete(c.waiting, id)
		ch <- reply{err: fmt.Errorf("client: request %d: no reply, the connection ended: %w", id, err)}
	}
}

// answer hands reply m to the Request waiting for it, and reports whether
// one was.
func (c *Client) answer(m *netcode.Message) bool {
	c.reqMu.Lock()
	ch, ok := c.waiting[m.ID]
	delete(c.waiting, m.ID)
	c.reqMu.Unlock()
	if !ok {
		return false
	}
	var r reply
	if m.Code != "" {
		r.err = &RequestError{Code: m.Code, Message: m.Text}
	} else {
		r.data = append([]byte(nil), m.Payload...) // the read buffer is reused
	}
	ch <- r
	return true
}
