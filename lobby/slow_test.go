package lobby_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// smallBufferClient dials with a tiny TCP receive buffer, so that a client
// that stops reading pushes back on the server within a few frames instead
// of after megabytes of kernel buffering.
func smallBufferClient() *http.Client {
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func (e *env) dialWith(h netcode.Hello, hc *http.Client) *client.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h, HTTPClient: hc})
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { c.CloseNow() })
	return c
}

func member(t *testing.T, room *lobby.Room, player uint32) (lobby.MemberInfo, bool) {
	t.Helper()
	ms, err := room.Members(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Player == player {
			return m, true
		}
	}
	return lobby.MemberInfo{}, false
}

// eventLog checks, as a client reads, that event seqs are contiguous and
// that every beat event (one per tick) arrives exactly once.
type eventLog struct {
	t         *testing.T
	who       string
	lastSeq   uint32
	lastBeat  uint32
	beats     int
	snapshots int
	lastSnap  uint32
	gaps      int // snapshots skipped by conflation, as seen by the client
}

func (l *eventLog) see(m netcode.Message) {
	switch m.Type {
	case netcode.MsgEvent:
		if m.Seq != l.lastSeq+1 {
			l.t.Errorf("%s: event seq %d after %d, want contiguous", l.who, m.Seq, l.lastSeq)
		}
		l.lastSeq = m.Seq
		if m.Kind == "beat" {
			var tick uint32
			if err := msgpack.Unmarshal(m.Payload, &tick); err != nil {
				l.t.Errorf("%s: beat payload: %v", l.who, err)
			}
			if l.lastBeat != 0 && tick != l.lastBeat+1 {
				l.t.Errorf("%s: beat of tick %d after tick %d: reliable event lost or duplicated", l.who, tick, l.lastBeat)
			}
			l.lastBeat = tick
			l.beats++
		}
	case netcode.MsgSnapshot:
		if l.lastSnap != 0 && m.Tick > l.lastSnap+1 {
			l.gaps += int(m.Tick - l.lastSnap - 1)
		}
		if m.Tick <= l.lastSnap {
			l.t.Errorf("%s: snapshot tick %d after %d, want increasing", l.who, m.Tick, l.lastSnap)
		}
		l.lastSnap = m.Tick
		l.snapshots++
	}
}

// TestSlowClients puts three clients in one room that beats (one reliable
// event) every tick and sends 32 KiB snapshots:
//   - fast reads everything;
//   - lagging reads slowly, so its snapshots are conflated while its events
//     must all arrive, in order, once each;
//   - stalled stops reading: its slot keeps only the newest snapshot, its
//     reliable queue overflows and it is closed as too slow;
//
// and the room's ticks and the fast client's snapshot rate do not suffer.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	const hz = 50
	typ, _ := testgame.Type("beat", testgame.Options{EventEvery: 1, Padding: 32 << 10})
	e := newEnvBuffers(t, lobby.Config{
		Conn: netcode.Config{
			ReliableQueue: 64,
			WriteTimeout:  30 * time.Second, // the stalled client must hit the queue limit first
			PingInterval:  time.Minute,
			PongTimeout:   2 * time.Minute,
			ReadLimit:     64 << 10,
		},
	}, 16<<10, typ)
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{TickRate: hz})
	if err != nil {
		t.Fatal(err)
	}
	hello := netcode.Hello{Room: room.ID()}
	fast := e.dialWith(hello, nil)
	lagging := e.dialWith(hello, smallBufferClient())
	stalled := e.dialWith(hello, smallBufferClient())

	read := func(c *client.Client, log *eventLog, pause time.Duration, stop *atomic.Bool) chan struct{} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for !stop.Load() {
				m, err := c.Next(context.Background())
				if err != nil {
					return
				}
				log.see(m)
				if m.Type == netcode.MsgSnapshot && pause > 0 {
					time.Sleep(pause)
				}
			}
		}()
		return done
	}
	var stop atomic.Bool
	fastLog := &eventLog{t: t, who: "fast"}
	lagLog := &eventLog{t: t, who: "lagging"}
	fastDone := read(fast, fastLog, 0, &stop)
	// Three ticks per snapshot read: most snapshots must be conflated.
	lagDone := read(lagging, lagLog, 3*time.Second/hz, &stop)

	s0, t0 := room.Stats(), time.Now()
	stalledID := stalled.Welcome().Player
	var held lobby.MemberInfo
	wait.For(t, "the stalled client to be closed as too slow", 20*time.Second, func() bool {
		m, ok := member(t, room, stalledID)
		held = m
		return ok && m.CloseCode != 0
	})
	if got, want := held.CloseCode, int(netcode.CloseTooSlow); got != want {
		t.Fatalf("stalled client closing with %d (%s), want %d", got, held.CloseReason, want)
	}
	if held.Conn.SnapshotsConflated == 0 {
		t.Errorf("stalled client: no conflated snapshots, want its slot overwritten every tick")
	}
	if now := room.Stats().Tick; held.HeldTick+2 < now {
		t.Errorf("stalled client's slot holds tick %d at room tick %d, want the newest", held.HeldTick, now)
	}
	// Let the others run alongside the closing client for a while.
	time.Sleep(500 * time.Millisecond)
	s1, t1 := room.Stats(), time.Now()
	stop.Store(true)

	// The stalled client reads again: it gets what was buffered, then the
	// close code.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		_, err := stalled.Next(ctx)
		if err != nil {
			if got, want := websocket.CloseStatus(err), netcode.CloseTooSlow; got != want {
				t.Fatalf("stalled client closed with %v (%v), want %v", got, err, want)
			}
			break
		}
	}
	fast.CloseNow()
	lagging.CloseNow()
	<-fastDone
	<-lagDone

	ticks := float64(s1.Steps - s0.Steps)
	expected := t1.Sub(t0).Seconds() * hz
	t.Logf("window %v: %v ticks (want %.0f), overruns %d, skipped %d; fast got %d snapshots (%d gaps); lagging %d snapshots (%d conflated), %d beats",
		t1.Sub(t0).Round(time.Millisecond), ticks, expected, s1.Overruns-s0.Overruns, s1.SkippedTicks-s0.SkippedTicks,
		fastLog.snapshots, fastLog.gaps, lagLog.snapshots, lagLog.gaps, lagLog.beats)
	// A room that blocked on the stalled client would stop for the 30 s
	// write timeout; one that merely shares a busy machine keeps most ticks.
	if ticks < expected/2 {
		t.Errorf("room ran %v ticks in %v, want about %.0f: slow clients must not slow the room", ticks, t1.Sub(t0), expected)
	}
	// The fast client may miss the snapshots of catch-up steps, which are
	// published back to back after a late wake-up, and a few more when the
	// machine deschedules its reader; a client held up by the slow ones
	// would miss most.
	catchUps := int(s1.CatchUpSteps - s0.CatchUpSteps)
	if allowed := catchUps + fastLog.snapshots/5; fastLog.gaps > allowed {
		t.Errorf("fast client missed %d of %d snapshots, want at most %d (%d catch-up steps + 20%%)",
			fastLog.gaps, fastLog.snapshots+fastLog.gaps, allowed, catchUps)
	}
	if lagLog.gaps == 0 {
		t.Errorf("lagging client saw no conflated snapshots: the test did not exercise conflation")
	}
	if lagLog.beats < 20 {
		t.Errorf("lagging client got %d beats, want many", lagLog.beats)
	}
}
