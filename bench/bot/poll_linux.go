//go:build linux

package bot

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tickroom/tickroom/netcode"
)

// pollAvailable: this platform has the poll transport.
const pollAvailable = true

// pollLoop is the poll transport: every connection of the swarm's normal
// bots is read by one goroutine from one epoll set, in place of a goroutine
// per bot. A bot on Go's netpoller costs two read(2) per message (the
// read that gets it, then the one that finds the socket empty before the
// goroutine parks) and a park and a wake-up; here a message costs one
// read(2) and a share of one epoll_wait, which is what lets one core drive
// the thousands of bots the bench needs (level-triggered: a socket that
// still holds data after its read is reported again by the next wait).
//
// The bots' state (Bot) is touched only by the loop's goroutine once the
// bot has joined: other goroutines ask through post.
type pollLoop struct {
	epfd, wakefd int
	dec          *netcode.Decoder
	buf          []byte
	conns        map[int32]*pollConn // by fd; loop goroutine only

	mu       sync.Mutex
	posted   []func()
	stopping bool
	done     chan struct{}
}

// pollReadLimit bounds one server message, as the Go client's default.
const pollReadLimit = 1 << 20

// pollStopWait is how long stopping waits for the server to answer the
// bots' close frames before it closes what is left.
const pollStopWait = 2 * time.Second

func newPollLoop() (*pollLoop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("bot: epoll: %w", err)
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("bot: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakefd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, fmt.Errorf("bot: epoll: %w", err)
	}
	return &pollLoop{
		epfd: epfd, wakefd: wakefd,
		dec:   netcode.NewDecoder(),
		buf:   make([]byte, 64<<10),
		conns: make(map[int32]*pollConn),
		done:  make(chan struct{}),
	}, nil
}

// post runs f on the loop's goroutine; false when the loop is stopping.
func (l *pollLoop) post(f func()) bool {
	l.mu.Lock()
	if l.stopping {
		l.mu.Unlock()
		return false
	}
	l.posted = append(l.posted, f)
	l.mu.Unlock()
	l.wake()
	return true
}

func (l *pollLoop) wake() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(l.wakefd, one[:])
}

// stop closes every bot's connection normally, waits up to pollStopWait
// for the server's answers, and returns once the loop has ended. run must
// be running.
func (l *pollLoop) stop() {
	l.mu.Lock()
	l.stopping = true
	l.mu.Unlock()
	l.wake()
	<-l.done
}

// run is the loop's goroutine.
func (l *pollLoop) run() {
	defer close(l.done)
	defer unix.Close(l.epfd)
	defer unix.Close(l.wakefd)
	events := make([]unix.EpollEvent, 256)
	var stopAt time.Time
	for {
		timeout := -1
		if !stopAt.IsZero() {
			left := time.Until(stopAt)
			if len(l.conns) == 0 || left <= 0 {
				for _, pc := range l.conns {
					pc.release()
				}
				return
			}
			timeout = int(left/time.Millisecond) + 1
		}
		n, err := unix.EpollWait(l.epfd, events, timeout)
		if err != nil && !errors.Is(err, unix.EINTR) {
			panic(fmt.Sprintf("bot: epoll_wait: %v", err)) // a bug: the set is ours
		}
		for i := range n {
			ev := &events[i]
			if int(ev.Fd) == l.wakefd {
				var b [8]byte
				_, _ = unix.Read(l.wakefd, b[:])
				continue
			}
			pc := l.conns[ev.Fd]
			if pc == nil {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				pc.flush()
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 && pc.fd >= 0 {
				l.readable(pc)
			}
		}
		l.mu.Lock()
		posted, stopping := l.posted, l.stopping
		l.posted = nil
		l.mu.Unlock()
		for _, f := range posted {
			f()
		}
		if stopping && stopAt.IsZero() {
			stopAt = time.Now().Add(pollStopWait)
			for _, pc := range l.conns {
				pc.goodbye()
			}
		}
	}
}

// readable makes the one read(2) of a reported connection and handles
// every whole frame it completes.
func (l *pollLoop) readable(pc *pollConn) {
	k := copy(l.buf, pc.carry)
	n, err := unix.Read(pc.fd, l.buf[k:])
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
		return
	case err != nil || n == 0:
		pc.lost("transport")
		return
	}
	if need := pc.consume(l.buf[:k+n]); need > len(l.buf) {
		l.buf = make([]byte, max(need, 2*len(l.buf)))
	}
}

// consume handles every whole frame at the start of data and keeps the
// rest, the start of a frame, as carry. It returns that frame's length
// when its header says it.
func (pc *pollConn) consume(data []byte) (need int) {
	for len(data) > 0 && pc.fd >= 0 {
		f, used, need, err := parseServerFrame(data, pollReadLimit)
		if err != nil {
			pc.lost("bad_frame")
			return 0
		}
		if used == 0 {
			pc.carry = append(pc.carry[:0], data...)
			return need
		}
		pc.frame(f)
		data = data[used:]
	}
	pc.carry = pc.carry[:0]
	return 0
}

// pollConn is one bot's connection on the loop.
type pollConn struct {
	l  *pollLoop
	b  *Bot
	fd int // -1 once closed

	carry []byte // the start of a frame not yet whole
	out   []byte // bytes the socket did not take yet
	wbuf  []byte // frame being built
	mbuf  []byte // message being encoded
	mask  uint64 // xorshift state for masking keys

	seq          uint32 // last input seq sent
	state, spare []byte // the full state of the last snapshot; the next's buffer
	stateTick    uint32
	// stateShared: state is the room's shared patch result (read-only),
	// not a buffer of this connection's.
	stateShared bool

	welcomed bool
	closing  bool       // goodbye sent: discard until the server closes
	joined   chan error // the join's outcome, sent once
	joinSent bool
}

// maxPendingOut bounds what a bot keeps unsent; a server that takes
// nothing for that long has failed the bot.
const maxPendingOut = 64 << 10

// joinPoll connects b on the loop: dial and handshake, hello, then the
// welcome (or the refusal) comes through the loop. It returns once the
// bot has joined or failed to, within dialTimeout.
func (l *pollLoop) joinPoll(ctx context.Context, b *Bot) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, rest, err := dialUpgrade(ctx, b.url)
	if err != nil {
		return err
	}
	pc := &pollConn{l: l, b: b, fd: -1, joined: make(chan error, 1), mask: b.pol.rng.Uint64() | 1}
	h := b.opts.Hello
	h.Deltas = h.Deltas || b.opts.Patch != nil
	hello, err := netcode.AppendHello(nil, &h)
	if err != nil {
		conn.Close()
		return err
	}
	if _, err := conn.Write(pc.frameOf(opBinary, hello)); err != nil {
		conn.Close()
		return fmt.Errorf("bot: send hello: %w", err)
	}
	fd, err := takeFD(conn)
	if err != nil {
		return err
	}
	pc.fd, pc.carry = fd, rest
	if !l.post(func() { l.register(pc) }) {
		unix.Close(fd)
		return errors.New("bot: swarm closed")
	}
	select {
	case err := <-pc.joined:
		return err
	case <-ctx.Done():
		l.post(func() { pc.fail(fmt.Errorf("bot: wait for welcome: %w", ctx.Err())) })
		return <-pc.joined
	}
}

// takeFD moves conn's socket out of Go's netpoller: it keeps a duplicate
// of the descriptor (same socket, still non-blocking) and closes conn,
// which takes the original out of the runtime's epoll set, so that only
// the loop is woken for it.
func takeFD(conn net.Conn) (int, error) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		conn.Close()
		return -1, fmt.Errorf("bot: %T is not a TCP connection", conn)
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		conn.Close()
		return -1, err
	}
	fd := -1
	var derr error
	if err := raw.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		derr = err
	}
	conn.Close()
	if derr != nil {
		return -1, fmt.Errorf("bot: dup socket: %w", derr)
	}
	return fd, nil
}

func (l *pollLoop) register(pc *pollConn) {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(pc.fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, pc.fd, &ev); err != nil {
		unix.Close(pc.fd)
		pc.fd = -1
		pc.joinResult(fmt.Errorf("bot: epoll add: %w", err))
		return
	}
	l.conns[int32(pc.fd)] = pc
	if len(pc.carry) > 0 {
		// Bytes the handshake read ahead: the kernel will not report them.
		pc.consume(bytes.Clone(pc.carry))
	}
}

func (pc *pollConn) joinResult(err error) {
	if !pc.joinSent {
		pc.joinSent = true
		pc.joined <- err
	}
}

// frame handles one whole frame from the server.
func (pc *pollConn) frame(f serverFrame) {
	switch f.op {
	case opBinary:
	case opPing:
		pc.send(pc.frameOf(opPong, f.payload))
		return
	case opPong:
		return
	case opClose:
		code := websocketCode(f.payload)
		if !pc.closing {
			pc.send(pc.frameOf(opClose, f.payload[:min(len(f.payload), 2)]))
		}
		pc.lost(codeName(code))
		return
	default:
		pc.lost("bad_frame")
		return
	}
	if pc.closing {
		return
	}
	m, err := pc.l.dec.Decode(f.payload)
	if err != nil {
		pc.lost("bad_message")
		return
	}
	b := pc.b
	if !pc.welcomed {
		if m.Type != netcode.MsgWelcome {
			pc.fail(fmt.Errorf("bot: got %s before welcome", m.Type))
			return
		}
		pc.welcomed = true
		b.welcomed(m.Welcome)
		pc.joinResult(nil)
		return
	}
	switch m.Type {
	case netcode.MsgSnapshot:
		if err := pc.rebuild(&m); err != nil {
			b.st.badSnapshots.Add(1)
			pc.lost("bad_snapshot")
			return
		}
		if err := b.onSnapshot(pc, &m); err != nil {
			pc.lost("send_failed")
		}
	case netcode.MsgEvent:
		b.onEvent(m.Seq)
	case netcode.MsgError:
		b.st.serverErrors.Add(1)
	case netcode.MsgPing:
		pc.mbuf = netcode.AppendPong(pc.mbuf[:0], m.ID)
		pc.send(pc.frameOf(opBinary, pc.mbuf))
	}
}

// rebuild turns a delta snapshot into its full state, as the Go client
// does (client.Client.Next). With shared states the state is the room's
// shared patch result, kept read-only rather than copied.
func (pc *pollConn) rebuild(m *netcode.Message) error {
	b := pc.b
	var next []byte
	shared := false
	switch {
	case m.Base == 0:
		next = append(pc.spare[:0], m.Payload...)
	case b.rawPatch == nil || pc.state == nil || m.Base != pc.stateTick:
		return fmt.Errorf("bot: delta of tick %d against %d, holding %d", m.Tick, m.Base, pc.stateTick)
	case b.shared != nil:
		full, err := b.shared.patchShared(b.rawPatch, pc.state, m.Payload)
		if err != nil {
			return err
		}
		next, shared = full, true
	default:
		full, err := b.rawPatch(pc.spare[:0], pc.state, m.Payload)
		if err != nil {
			return err
		}
		next = full
	}
	// The connection owns at most two buffers: spare, and state unless it
	// is shared. An own next was built in spare.
	oldOwn := pc.state != nil && !pc.stateShared
	switch {
	case !shared && oldOwn:
		pc.spare = pc.state
	case !shared:
		pc.spare = nil // it became next; the shared old state is not ours
	case oldOwn && pc.spare == nil:
		pc.spare = pc.state[:0]
	}
	pc.state, pc.stateShared, pc.stateTick = next, shared, m.Tick
	m.Payload = next
	return nil
}

// SendInput sends an input, as client.Client.SendInput; the loop's
// goroutine only.
func (pc *pollConn) SendInput(_ context.Context, payload []byte) (uint32, error) {
	if pc.fd < 0 {
		return 0, errors.New("bot: connection closed")
	}
	pc.seq++
	pc.mbuf = netcode.AppendInput(pc.mbuf[:0], pc.seq, payload)
	pc.send(pc.frameOf(opBinary, pc.mbuf))
	if pc.fd < 0 {
		return 0, errors.New("bot: send failed")
	}
	return pc.seq, nil
}

// frameOf frames payload into the connection's frame buffer. The masking
// key comes from a xorshift generator: RFC 6455 wants keys a page's
// script cannot predict, which a load generator has no page to fear.
func (pc *pollConn) frameOf(op byte, payload []byte) []byte {
	pc.mask ^= pc.mask << 13
	pc.mask ^= pc.mask >> 7
	pc.mask ^= pc.mask << 17
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], uint32(pc.mask))
	pc.wbuf = appendClientFrame(pc.wbuf[:0], op, payload, key)
	return pc.wbuf
}

// send writes p, or keeps what the socket does not take for EPOLLOUT.
func (pc *pollConn) send(p []byte) {
	if pc.fd < 0 {
		return
	}
	if len(pc.out) > 0 {
		if len(pc.out)+len(p) > maxPendingOut {
			pc.lost("send_blocked")
			return
		}
		pc.out = append(pc.out, p...)
		return
	}
	n, err := unix.Write(pc.fd, p)
	if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
		pc.lost("transport")
		return
	}
	n = max(n, 0)
	if n < len(p) {
		pc.out = append(pc.out[:0], p[n:]...)
		pc.watch(unix.EPOLLIN | unix.EPOLLOUT)
	}
}

// flush writes what send kept, once the socket has room.
func (pc *pollConn) flush() {
	if pc.fd < 0 || len(pc.out) == 0 {
		return
	}
	n, err := unix.Write(pc.fd, pc.out)
	if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
		pc.lost("transport")
		return
	}
	n = max(n, 0)
	pc.out = pc.out[:copy(pc.out, pc.out[n:])]
	if len(pc.out) == 0 {
		pc.watch(unix.EPOLLIN)
	}
}

func (pc *pollConn) watch(events uint32) {
	ev := unix.EpollEvent{Events: events, Fd: int32(pc.fd)}
	_ = unix.EpollCtl(pc.l.epfd, unix.EPOLL_CTL_MOD, pc.fd, &ev)
}

// goodbye starts a normal close (which ends the bot's seat) as the swarm
// stops: the loop then discards what comes until the server closes.
func (pc *pollConn) goodbye() {
	if pc.fd < 0 || pc.closing {
		return
	}
	pc.closing = true
	var body [2]byte
	binary.BigEndian.PutUint16(body[:], 1000)
	pc.send(pc.frameOf(opClose, body[:]))
}

// lost ends the connection; unless the swarm closed it, it is a
// disconnect named by code (a close code's name, or what failed).
func (pc *pollConn) lost(code string) {
	if pc.fd < 0 {
		return
	}
	if !pc.closing && pc.welcomed {
		pc.b.st.disconnected(code)
	}
	pc.joinResult(fmt.Errorf("bot: connection ended before the welcome: %s", code))
	pc.release()
}

// fail ends a connection that has not joined with err.
func (pc *pollConn) fail(err error) {
	pc.joinResult(err)
	pc.release()
}

func (pc *pollConn) release() {
	if pc.fd < 0 {
		return
	}
	delete(pc.l.conns, int32(pc.fd))
	_ = unix.EpollCtl(pc.l.epfd, unix.EPOLL_CTL_DEL, pc.fd, nil)
	unix.Close(pc.fd)
	pc.fd = -1
	pc.joinResult(errors.New("bot: swarm closed"))
}

// websocketCode reads a close frame's status code; 1005 (none) when it
// has none.
func websocketCode(body []byte) int {
	if len(body) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(body))
}
