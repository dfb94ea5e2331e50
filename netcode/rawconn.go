package netcode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// Socket is an accepted WebSocket whose server frames netcode writes
// itself: coder/websocket performs the upgrade, reads the client's
// messages, answers its control frames and does the close handshake, and
// netcode writes its data frames straight to the hijacked connection. That
// skips the library's write path (a lock, a buffered copy and a flush per
// message, and a goroutine waking per connection to call it) and lets one
// write carry everything pending for a client.
type Socket struct {
	WS  *websocket.Conn
	raw *rawConn
}

// Accept upgrades the request with coder/websocket, as websocket.Accept
// does, and keeps hold of the connection it hijacks.
func Accept(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*Socket, error) {
	h := &hijacker{ResponseWriter: w}
	ws, err := websocket.Accept(h, r, opts)
	if err != nil {
		return nil, err
	}
	if h.raw == nil {
		ws.CloseNow()
		return nil, errors.New("netcode: accept: the connection was not hijacked")
	}
	return &Socket{WS: ws, raw: h.raw}, nil
}

// hijacker hands coder/websocket a wrapped connection when it hijacks the
// HTTP one, so that the library's writes and netcode's share one lock.
type hijacker struct {
	http.ResponseWriter
	raw *rawConn
}

// controlBuffer sizes the buffered writer coder/websocket writes its frames
// through. netcode sends every data frame itself, so the library writes
// only control frames (at most 2+125 bytes) and close frames: with room
// for a whole one, each reaches rawConn.Write in one call, whole.
const controlBuffer = 256

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("netcode: http.ResponseWriter does not implement http.Hijacker")
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.raw = newRawConn(c)
	// net/http's reader is 4 KiB; client messages are a few bytes (and at
	// most ReadLimit), so a small one does, and the large one goes with
	// the HTTP handler. What it had already read comes first.
	// coder/websocket resets the reader it is given to read from the
	// connection, so those bytes are served by the connection's Read.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	h.raw.early = bytes.Clone(buffered)
	r := bufio.NewReaderSize(h.raw, readBuffer)
	return h.raw, bufio.NewReadWriter(r, bufio.NewWriterSize(h.raw, controlBuffer)), nil
}

// readBuffer sizes the buffered reader coder/websocket reads the client's
// frames through.
const readBuffer = 512

// Unwrap lets http.ResponseController reach the server's ResponseWriter.
func (h *hijacker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// rawConn is the hijacked connection. Every write goes through mu, one
// whole frame or batch of frames at a time, so that frames never
// interleave: coder/websocket's (through Write) and netcode's (tryWrite,
// writeAll). A batch the kernel took only part of leaves its remainder in
// pending, which is written before anything else.
type rawConn struct {
	net.Conn
	// wfd is a duplicate of the socket's descriptor that the non-blocking
	// writes use directly, without net's descriptor locks and poller
	// checks (which cost a few cache misses per write). The duplicate
	// keeps the socket open, so it is closed in Close, under mu: no write
	// can then be using it, and its number is not reused under one.
	// It is -1 once closed, or when the connection has no descriptor.
	wfd int

	// early is what net/http had read past the handshake; Read returns it
	// first. Only the connection's reader reads.
	early []byte

	mu      sync.Mutex
	pending []byte
	// closeSent is set once the library has written a close frame: no
	// data frame may follow it (RFC 6455 §5.5.1).
	closeSent bool
	observe   func(p []byte) // tests: sees the library's writes

}

func newRawConn(c net.Conn) *rawConn {
	return &rawConn{Conn: c, wfd: dupWriteFD(c)}
}

// writeOnce is one write(2) on wfd, never waiting: Go's sockets are
// non-blocking (the duplicate shares the flag), so a full socket buffer
// returns EAGAIN, which is a write of nothing. mu must be held.
func (r *rawConn) writeOnce(p []byte) (int, error) {
	for {
		n, err := syscall.Write(r.wfd, p)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		default:
			return 0, err
		}
	}
}

// Close closes the connection and then the duplicate. The connection goes
// first: that ends a write waiting on it (writeLocked holds mu meanwhile).
func (r *rawConn) Close() error {
	err := r.Conn.Close()
	r.mu.Lock()
	if r.wfd >= 0 {
		syscall.Close(r.wfd)
		r.wfd = -1
	}
	r.mu.Unlock()
	return err
}

// errBusy says tryWrite took nothing because another write holds the
// connection (the library answering a ping, or a slow write).
var errBusy = errors.New("netcode: connection busy")

// errCloseSent says a data write was refused because the library has sent
// its close frame. The close handshake is under way and the library ends
// the socket; the write is no failure of the connection's.
var errCloseSent = errors.New("netcode: the close frame has been sent")

// tryWrite writes what the kernel takes of p at once, without waiting. If
// that is not all of p, the rest is kept as pending before the lock is
// let go, so that nothing can be written between the two parts, and more
// is true: the caller must then finish with writeAll, off the path that
// must not block. When another write holds the connection it takes
// nothing and returns errBusy: the caller writes all of p with writeAll.
func (r *rawConn) tryWrite(p []byte) (n int, more bool, err error) {
	if !r.mu.TryLock() {
		return 0, false, errBusy
	}
	defer r.mu.Unlock()
	switch {
	case r.closeSent:
		return 0, false, errCloseSent
	case r.wfd < 0:
		// No descriptor (a test's pipe), or closed: the slow path's
		// write through the connection says which.
		return 0, false, errBusy
	case len(r.pending) > 0:
		return 0, false, errBusy
	}
	n, err = r.writeOnce(p)
	if err != nil {
		return n, false, fmt.Errorf("netcode: write: %w", err)
	}
	if n < len(p) {
		r.pending = append(r.pending[:0], p[n:]...)
		return n, true, nil
	}
	return n, false, nil
}

// writeAll writes p whole, waiting up to timeout for the client to take
// it; pending bytes go first.
func (r *rawConn) writeAll(p []byte, timeout time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closeSent {
		return errCloseSent
	}
	return r.writeLocked(p, timeout)
}

func (r *rawConn) writeLocked(p []byte, timeout time.Duration) error {
	if err := r.Conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	defer r.Conn.SetWriteDeadline(time.Time{})
	if len(r.pending) > 0 {
		if _, err := r.Conn.Write(r.pending); err != nil {
			return fmt.Errorf("netcode: write: %w", err)
		}
		r.pending = nil // slow clients are rare: give the memory back
	}
	if len(p) == 0 {
		return nil
	}
	if _, err := r.Conn.Write(p); err != nil {
		return fmt.Errorf("netcode: write: %w", err)
	}
	return nil
}

// Read returns what net/http had read ahead, then reads the connection.
func (r *rawConn) Read(p []byte) (int, error) {
	if len(r.early) > 0 {
		n := copy(p, r.early)
		r.early = r.early[n:]
		if len(r.early) == 0 {
			r.early = nil
		}
		return n, nil
	}
	return r.Conn.Read(p)
}

// Write is coder/websocket's way out (control and close frames, one whole
// frame per call: see controlBuffer). It waits for a pending remainder to
// go first.
func (r *rawConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.observe != nil {
		r.observe(p)
	}
	if err := r.writeLocked(p, libraryWriteTimeout); err != nil {
		return 0, err
	}
	if len(p) > 0 && p[0]&0x0f == opClose {
		r.closeSent = true
	}
	return len(p), nil
}

// libraryWriteTimeout bounds coder/websocket's writes, as the library's own
// close handshake does (5 s).
const libraryWriteTimeout = 5 * time.Second
