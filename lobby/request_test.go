package lobby_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// pump reads c in the background, as a client's read loop does, so that
// Request gets its replies. It passes on the events, errors and replies
// nobody waits for, copied; snapshots it drops. Cleanup closes c and waits
// for the goroutine.
func pump(t *testing.T, c *client.Client) <-chan netcode.Message {
	t.Helper()
	out := make(chan netcode.Message, 1024)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		for {
			m, err := c.Next(context.Background())
			if err != nil {
				out <- netcode.Message{Type: 0, Text: err.Error(), Code: closeName(err)}
				return
			}
			if m.Type == netcode.MsgSnapshot {
				continue
			}
			m.Payload = bytes.Clone(m.Payload)
			select {
			case out <- m:
			default:
				t.Error("pump: the test did not read its messages")
				return
			}
		}
	}()
	t.Cleanup(func() {
		c.CloseNow()
		wg.Wait()
	})
	return out
}

// closeName names the close code an error carries, for pump's last
// message.
func closeName(err error) string {
	return netcode.CloseName(websocket.CloseStatus(err))
}

// await returns the next message of type typ (and, for events, kind) from
// a pump.
func await(t *testing.T, ch <-chan netcode.Message, typ netcode.MsgType, kind string) netcode.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-ch:
			if !ok || m.Type == 0 {
				t.Fatalf("waiting for %s %q: connection ended (%s %s)", typ, kind, m.Code, m.Text)
			}
			if m.Type == typ && (kind == "" || m.Kind == kind) {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s %q", typ, kind)
		}
	}
}

func request(t *testing.T, c *client.Client, kind string, data any) ([]byte, error) {
	t.Helper()
	raw, err := msgpack.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return c.Request(ctx, kind, raw)
}

// wantRefused checks that a request failed with code.
func wantRefused(t *testing.T, err error, code string) {
	t.Helper()
	var re *client.RequestError
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("request: got %v, want a %q reply", err, code)
	}
}

// ask makes a request that must succeed and decodes its reply.
func ask[T any](t *testing.T, c *client.Client, kind string, data any) T {
	t.Helper()
	b, err := request(t, c, kind, data)
	if err != nil {
		t.Fatalf("request %q: %v", kind, err)
	}
	return unmarshal[T](t, b)
}

func unmarshal[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode % x: %v", b, err)
	}
	return v
}

func TestRequestRoomInfo(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	a := e.dial(netcode.Hello{Name: "ada"})
	room := a.Welcome().Room
	b := e.dial(netcode.Hello{Name: "bob", Room: room})
	s := e.dial(netcode.Hello{Name: "eve", Room: room, Spectator: true})
	pump(t, a)
	pump(t, s)
	if s.Welcome().Session != "" {
		t.Errorf("spectator's welcome has session %q, want none: a spectator cannot resume", s.Welcome().Session)
	}
	for _, c := range []*client.Client{a, s} { // a player and a spectator may ask
		info := ask[lobby.RoomInfoReply](t, c, lobby.RequestRoomInfo, nil)
		want := []netcode.Member{{Player: a.Welcome().Player, Name: "ada"}, {Player: b.Welcome().Player, Name: "bob"}}
		if info.ID != room || info.Game != "count" || info.Host != a.Welcome().Player || info.Locked ||
			info.Spectators != 1 || !slices.Equal(info.Players, want) || info.Tick == 0 {
			t.Errorf("room.info: got %+v, want room %s, host %d, players %v, 1 spectator, a tick", info, room, a.Welcome().Player, want)
		}
	}
}

// hostAndGuest is a room of the count game with its host (the first to
// join) and a guest, both read by pumps.
type hostAndGuest struct {
	e                   *env
	room                string
	host, guest         *client.Client
	hostMsgs, guestMsgs <-chan netcode.Message
}

func newHostAndGuest(t *testing.T) hostAndGuest {
	t.Helper()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	host := e.dial(netcode.Hello{Name: "host"})
	room := host.Welcome().Room
	guest := e.dial(netcode.Hello{Name: "guest", Room: room})
	return hostAndGuest{e: e, room: room, host: host, guest: guest, hostMsgs: pump(t, host), guestMsgs: pump(t, guest)}
}

func TestRequestLock(t *testing.T) {
	t.Parallel()
	hg := newHostAndGuest(t)
	e, room, host, guest, hostMsgs, guestMsgs := hg.e, hg.room, hg.host, hg.guest, hg.hostMsgs, hg.guestMsgs

	_, err := request(t, guest, lobby.RequestRoomLock, true)
	wantRefused(t, err, netcode.ErrCodeNotAllowed)
	for _, bad := range []any{"yes", nil, 1} {
		_, err = request(t, host, lobby.RequestRoomLock, bad)
		wantRefused(t, err, netcode.ErrCodeBadRequest)
	}

	if locked := ask[bool](t, host, lobby.RequestRoomLock, true); !locked {
		t.Fatal("room.lock true: reply false")
	}
	for _, ch := range []<-chan netcode.Message{hostMsgs, guestMsgs} {
		ev := unmarshal[[]any](t, await(t, ch, netcode.MsgEvent, lobby.EventLocked).Payload)
		if len(ev) != 2 || ev[1] != true {
			t.Errorf("locked event data %v, want [host, true]", ev)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = client.Dial(ctx, e.url, client.Options{Hello: netcode.Hello{Room: room}})
	wantClose(t, err, netcode.CloseRoomFull)

	ask[bool](t, host, lobby.RequestRoomLock, false)
	if ev := unmarshal[[]any](t, await(t, guestMsgs, netcode.MsgEvent, lobby.EventLocked).Payload); len(ev) != 2 || ev[1] != false {
		t.Errorf("locked event of the unlock: %v, want [host, false]", ev)
	}
	e.dial(netcode.Hello{Room: room}) // unlocked: joins again

	// The embedder's lock tells the members too, as player 0.
	r, _ := e.srv.Room(room)
	if err := r.SetLocked(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	if ev := unmarshal[lobby.LockEvent](t, await(t, guestMsgs, netcode.MsgEvent, lobby.EventLocked).Payload); ev.Player != 0 || !ev.Locked {
		t.Errorf("locked event of Room.SetLocked: %+v, want player 0, locked", ev)
	}
}

func TestRequestKick(t *testing.T) {
	t.Parallel()
	hg := newHostAndGuest(t)
	e, host, guest, hostMsgs, guestMsgs := hg.e, hg.host, hg.guest, hg.hostMsgs, hg.guestMsgs

	_, err := request(t, guest, lobby.RequestRoomKick, host.Welcome().Player)
	wantRefused(t, err, netcode.ErrCodeNotAllowed)
	_, err = request(t, host, lobby.RequestRoomKick, host.Welcome().Player)
	wantRefused(t, err, netcode.ErrCodeBadRequest)
	_, err = request(t, host, lobby.RequestRoomKick, 999)
	wantRefused(t, err, netcode.ErrCodeBadRequest)

	if ok := ask[bool](t, host, lobby.RequestRoomKick, guest.Welcome().Player); !ok {
		t.Fatal("room.kick: reply false")
	}
	for m := range guestMsgs {
		if m.Type == 0 {
			if m.Code != netcode.CloseName(netcode.CloseKicked) {
				t.Errorf("kicked guest's connection ended with %s (%s), want %s", m.Code, m.Text, netcode.CloseName(netcode.CloseKicked))
			}
			break
		}
	}
	ev := await(t, hostMsgs, netcode.MsgEvent, lobby.EventLeft)
	if p := unmarshal[lobby.PlayerEvent](t, ev.Payload); p.Player != guest.Welcome().Player {
		t.Errorf("left event for player %d, want the kicked %d", p.Player, guest.Welcome().Player)
	}
	// The kicked player's seat is gone for good: its session cannot resume.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = client.Dial(ctx, e.url, client.Options{Hello: netcode.Hello{Session: guest.Welcome().Session, LastEvent: 1}})
	wantClose(t, err, netcode.CloseUnauthorized)
}

func TestRequestUnknownKind(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{}) // answers no requests
	e := newEnv(t, lobby.Config{}, typ)
	c := e.dial(netcode.Hello{})
	pump(t, c)
	for _, kind := range []string{"dance", "room.dance", ""} {
		_, err := request(t, c, kind, nil)
		wantRefused(t, err, netcode.ErrCodeUnknownRequest)
	}
	// The connection carries on.
	ask[lobby.RoomInfoReply](t, c, lobby.RequestRoomInfo, nil)
}

// TestRequestEveryOneAnswered floods requests past both limits (the
// connection's rate and the room's per-tick bound): each gets exactly one
// reply, a rate_limited one when it was dropped, and the drops close
// nothing while some pass.
func TestRequestEveryOneAnswered(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	cfg := lobby.Config{
		Room: lobby.RoomConfig{TickRate: 20, InputsPerTick: 3},
		Conn: netcode.Config{InputRate: 20, InputBurst: 8},
	}
	e := newEnv(t, cfg, typ)
	c := e.dial(netcode.Hello{})
	msgs := pump(t, c)
	const n = 40
	for id := uint32(1); id <= n; id++ {
		if err := c.SendRaw(t.Context(), websocket.MessageBinary, netcode.AppendRequest(nil, id, lobby.RequestRoomInfo, nil)); err != nil {
			t.Fatal(err)
		}
	}
	// Dropped requests are answered at once, the others at the next tick:
	// ids, not order, match replies to requests.
	var ok, perTick, perSecond int
	seen := make(map[uint32]bool)
	for range n {
		m := await(t, msgs, netcode.MsgReply, "")
		if seen[m.ID] || m.ID < 1 || m.ID > n {
			t.Fatalf("reply to request %d: a second one, or to none sent", m.ID)
		}
		seen[m.ID] = true
		switch {
		case m.Code == "":
			ok++
		case m.Code == netcode.ErrCodeRateLimited && bytes.Contains([]byte(m.Text), []byte("in one tick")):
			perTick++
		case m.Code == netcode.ErrCodeRateLimited:
			perSecond++
		default:
			t.Errorf("reply %d: %q %q", m.ID, m.Code, m.Text)
		}
	}
	if ok < 3 || perTick == 0 || perSecond == 0 {
		t.Errorf("%d answered, %d dropped over the per-tick bound, %d over the rate: want all three", ok, perTick, perSecond)
	}
	select {
	case m := <-msgs:
		if m.Type == netcode.MsgReply {
			t.Errorf("a reply more than requests: %+v", m)
		}
	case <-time.After(100 * time.Millisecond):
	}
}

// TestSnakeColour is the Snake game's own requests: a player's colour,
// broadcast as an event and kept for those who ask later.
func TestSnakeColour(t *testing.T) {
	t.Parallel()
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, lobby.Config{}, typ)
	a := e.dial(netcode.Hello{Name: "ada", Game: "snake"})
	room := a.Welcome().Room
	b := e.dial(netcode.Hello{Name: "bob", Room: room})
	aMsgs, bMsgs := pump(t, a), pump(t, b)

	if hue := ask[int](t, a, snake.RequestColour, 120); hue != 120 {
		t.Fatalf("colour reply %d, want 120", hue)
	}
	for _, ch := range []<-chan netcode.Message{aMsgs, bMsgs} {
		ev := unmarshal[snake.Colour](t, await(t, ch, netcode.MsgEvent, snake.KindColour).Payload)
		if ev.Player != game.PlayerID(a.Welcome().Player) || ev.Hue != 120 {
			t.Errorf("colour event %+v, want player %d hue 120", ev, a.Welcome().Player)
		}
	}
	for _, bad := range []any{360, -1, "red", nil} {
		_, err := request(t, b, snake.RequestColour, bad)
		wantRefused(t, err, netcode.ErrCodeBadRequest)
	}
	s := e.dial(netcode.Hello{Room: room, Spectator: true})
	pump(t, s)
	_, err = request(t, s, snake.RequestColour, 10)
	wantRefused(t, err, netcode.ErrCodeNotAllowed)
	got := ask[[]snake.Colour](t, s, snake.RequestColours, nil)
	if len(got) != 1 || got[0].Player != game.PlayerID(a.Welcome().Player) || got[0].Hue != 120 {
		t.Errorf("colours: got %+v, want only player %d with hue 120", got, a.Welcome().Player)
	}
}
