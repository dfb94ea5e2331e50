package lobby_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// The tests in this file replay, over real HTTP and WebSocket on loopback,
// what a hostile client did to a server built before the limits existed;
// each states the bound that holds now. Client addresses are played by
// loopback source addresses (127.0.0.1, 127.0.0.2, ...).

// TestRoomFloodFromOneAddressIsBounded: one client filled --max-rooms 300
// with private rooms in 0.1 s, locking quick play out for everybody. Now an
// address creates at most CreateBurst rooms at once, then 429 with
// Retry-After, and quick play works for another address meanwhile.
func TestRoomFloodFromOneAddressIsBounded(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{MaxRooms: 12, Limits: lobby.AddrLimits{CreateRate: 0.001, CreateBurst: 8, Rooms: 100}}, typ)
	attacker := from("127.0.0.1")
	created, status := 0, 0
	var retry string
	for range 300 {
		resp, _ := e.call(attacker, "POST", "/api/rooms", lobby.CreateRequest{Private: true}, nil)
		if resp.StatusCode != http.StatusCreated {
			status, retry = resp.StatusCode, resp.Header.Get("Retry-After")
			break
		}
		created++
	}
	if created != 8 || status != http.StatusTooManyRequests || retry == "" {
		t.Fatalf("created %d rooms, then %d with Retry-After %q; want 8 (the burst), then 429 with Retry-After", created, status, retry)
	}
	// Matchmaking create counts against the same limit.
	if resp, body := e.call(attacker, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "create"}, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("matchmake create over the limit: %d %s, want 429", resp.StatusCode, body)
	}
	// Another address quick-plays while the attacker is at its limit.
	other := from("127.0.0.2")
	c := e.dialWith(netcode.Hello{Name: "other"}, other)
	next(t, c, netcode.MsgSnapshot)
	if resp, body := e.call(other, "POST", "/api/matchmake", lobby.MatchmakeRequest{}, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("quick matchmaking from another address: %d %s, want 200", resp.StatusCode, body)
	}
	if got := metric(t, e.srv, "tickroom_requests_throttled_total", "limit", "create_rate"); got < 2 {
		t.Errorf("throttled create_rate counter %v, want at least 2", got)
	}
}

// TestLiveRoomsPerAddressCapped: with no rate limit, the cap of live rooms
// per address holds, and a room that ends gives its place back.
func TestLiveRoomsPerAddressCapped(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	clk := fakeTime()
	e := newEnv(t, lobby.Config{
		Limits: lobby.AddrLimits{CreateRate: -1, Rooms: 5},
		Clock:  clk,
	}, typ)
	hc := from("127.0.0.1")
	for i := range 5 {
		if resp, body := e.call(hc, "POST", "/api/rooms", lobby.CreateRequest{}, nil); resp.StatusCode != http.StatusCreated {
			t.Fatalf("room %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.call(hc, "POST", "/api/rooms", lobby.CreateRequest{}, nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "5 live rooms") {
		t.Fatalf("6th room: %d %s, want 429 naming the cap of 5 live rooms", resp.StatusCode, body)
	}
	// The empty rooms are disposed of after the empty timeout; then the
	// address may create again.
	advanceUntil(t, clk, lobby.DefaultEmptyTimeout, "the empty rooms to be disposed of", func() bool { return len(e.srv.Rooms()) == 0 })
	if resp, body := e.call(hc, "POST", "/api/rooms", lobby.CreateRequest{}, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("after the rooms ended: %d %s, want 201", resp.StatusCode, body)
	}
}

// TestEmptyRoomsDoNotTick: 10,000 empty rooms took 110% of a core because
// each ticked at 20 Hz. Now a room ticks only while it has members.
func TestEmptyRoomsDoNotTick(t *testing.T) {
	t.Parallel()
	typ, ctr := testgame.Type("count", testgame.Options{})
	clk := fakeTime()
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 100}, Clock: clk}, typ)
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := room.Reserve(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second) // 200 ticks' worth, inside the reservation's TTL
	settle(t, room)
	if n := ctr.Steps.Load(); n != 0 {
		t.Fatalf("an empty room (with a reservation) ran %d steps in 2 s at 100 Hz, want 0", n)
	}
	c := e.dial(netcode.Hello{Room: room.ID()})
	if w := c.Welcome(); w.Tick != 0 {
		t.Errorf("first member welcomed at tick %d, want 0: the room had not ticked", w.Tick)
	}
	settle(t, room) // the room has armed its tick timer
	clk.Advance(10 * time.Millisecond)
	if m := next(t, c, netcode.MsgSnapshot); m.Tick != 1 {
		t.Errorf("first snapshot is of tick %d, want 1", m.Tick)
	}
	if err := c.Leave(t.Context()); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the member to leave", 5*time.Second, func() bool { return room.Stats().Players == 0 })
	// The tick that was due next still runs, finds the room empty, and the
	// room goes to sleep: no timer is due for two seconds after that.
	atLeave := room.Stats().Steps
	clk.Advance(10 * time.Millisecond)
	wait.For(t, "the tick in flight", 5*time.Second, func() bool { return room.Stats().Steps == atLeave+1 })
	before := room.Stats().Steps
	clk.Advance(2 * time.Second)
	settle(t, room)
	if after := room.Stats().Steps; after != before {
		t.Fatalf("the room ran %d steps in 2 s after its last member left, want 0", after-before)
	}
	// It wakes again for the next member, with ticks counting on.
	c2 := e.dial(netcode.Hello{Room: room.ID()})
	settle(t, room)
	clk.Advance(10 * time.Millisecond)
	if m := next(t, c2, netcode.MsgSnapshot); m.Tick <= uint32(before) {
		t.Errorf("after waking, snapshot of tick %d, want ticks to count on past %d", m.Tick, before)
	}
}

// TestRecordingOpensWithFirstMember: with --record every empty room held
// an open file and left a recording behind. Now a room opens its recording
// when its first member joins.
func TestRecordingOpensWithFirstMember(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	opened := map[string]int{}
	rec := func(room, _ string, _ game.Setup, _ any) (lobby.Recorder, error) {
		mu.Lock()
		defer mu.Unlock()
		opened[room]++
		return nopRecorder{}, nil
	}
	count := func(id string) int {
		mu.Lock()
		defer mu.Unlock()
		return opened[id]
	}
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Record: rec}, typ)
	empty, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	played, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a := e.dial(netcode.Hello{Room: played.ID()})
	b := e.dial(netcode.Hello{Room: played.ID()})
	next(t, a, netcode.MsgSnapshot)
	next(t, b, netcode.MsgSnapshot)
	if n := count(empty.ID()); n != 0 {
		t.Errorf("empty room opened %d recordings, want 0", n)
	}
	if n := count(played.ID()); n != 1 {
		t.Errorf("room with two members opened %d recordings, want 1", n)
	}
}

type nopRecorder struct{}

func (nopRecorder) Join(game.PlayerID, string) error { return nil }
func (nopRecorder) Leave(game.PlayerID) error        { return nil }
func (nopRecorder) Input(game.PlayerID, []byte) error {
	return nil
}
func (nopRecorder) Request(game.PlayerID, string, []byte) error { return nil }
func (nopRecorder) EndTick(uint32, uint64) error                { return nil }
func (nopRecorder) Close() error                                { return nil }

// TestRoomListingIsPaged: GET /api/rooms answered 177 KiB at 2,000 rooms.
// Now it answers pages of at most 200 (50 by default), with a Link to the
// next page, and refuses a larger limit.
func TestRoomListingIsPaged(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	const rooms = 120
	for range rooms {
		if _, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	hc := from("127.0.0.1")
	seen := map[string]bool{}
	path, pages := "/api/rooms", 0
	for path != "" {
		resp, body := e.call(hc, "GET", path, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		var page []lobby.RoomInfo
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page) > lobby.DefaultListPage {
			t.Fatalf("page of %d rooms, want at most %d", len(page), lobby.DefaultListPage)
		}
		for _, r := range page {
			if seen[r.ID] {
				t.Fatalf("room %s listed twice", r.ID)
			}
			seen[r.ID] = true
		}
		pages++
		path = nextLink(resp.Header.Get("Link"))
	}
	if len(seen) != rooms || pages != 3 {
		t.Fatalf("listed %d rooms in %d pages, want %d in 3", len(seen), pages, rooms)
	}
	if resp, _ := e.call(hc, "GET", "/api/rooms?game=nosuch", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/rooms?game=nosuch: %d, want 404 as documented", resp.StatusCode)
	}
	for _, q := range []string{"limit=201", "limit=0", "limit=x", "free=-1"} {
		if resp, _ := e.call(hc, "GET", "/api/rooms?"+q, nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /api/rooms?%s: %d, want 400", q, resp.StatusCode)
		}
	}
}

// nextLink returns the target of a Link header's rel="next", or "".
func nextLink(h string) string {
	target, rel, ok := strings.Cut(h, ";")
	if !ok || !strings.Contains(rel, `rel="next"`) {
		return ""
	}
	return strings.Trim(strings.TrimSpace(target), "<>")
}

// TestResumeAfterMoreEventsThanTheQueueHolds: a resume with 255-256
// missed events queued the welcome, the replay and reconnected together,
// overflowed the 256-slot reliable queue (4003) after the token had been
// spent, and the seat was lost. Now a resume that cannot be replayed in
// full gets a welcome with historyLost and the seqs going on from there.
func TestResumeAfterMoreEventsThanTheQueueHolds(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	const queue = 64
	e := newEnv(t, lobby.Config{
		Conn: netcode.Config{ReliableQueue: queue, InputRate: 10000, InputBurst: 1000},
		Room: lobby.RoomConfig{ResumeGrace: 20 * time.Second},
	}, typ)
	stay := e.dial(netcode.Hello{Name: "stay"})
	drop := e.dial(netcode.Hello{Name: "drop", Room: stay.Welcome().Room})
	waitEvent(t, drop, lobby.EventJoined)
	first, last := drop.Welcome(), drop.LastEvent()
	drop.CloseNow()
	waitEvent(t, stay, lobby.EventDropped)
	// More events than the new connection's queue holds, fewer than the
	// log keeps (256): before, this resume was closed with 4003.
	const missed = queue + 10
	chatter(t, stay, missed)
	back, err := e.dialErr(netcode.Hello{Session: first.Session, LastEvent: last})
	if err != nil {
		t.Fatalf("resume after %d missed events with a %d-message queue: %v, want a welcome", missed+1, queue, err)
	}
	w := back.Welcome()
	if !w.Resumed || !w.HistoryLost || w.Player != first.Player {
		t.Fatalf("welcome %+v: want player %d resumed with historyLost", w, first.Player)
	}
	if w.LastEvent < last+missed {
		t.Fatalf("welcome lastEvent %d, want at least %d (the newest event)", w.LastEvent, last+missed)
	}
	m := waitEvent(t, back, lobby.EventReconnected)
	if m.Seq != w.LastEvent+1 {
		t.Fatalf("first event after the welcome has seq %d, want %d (lastEvent + 1)", m.Seq, w.LastEvent+1)
	}
	next(t, back, netcode.MsgSnapshot)
}

// TestOthersChatCannotEvictAResume: the 256-event log held about 4.6 s of
// one player's allowed chat, so a victim who came back 7.6 s later, inside
// the grace, was refused 4011 and then its own held seat filled the room.
// Now the victim is always taken back within the grace.
func TestOthersChatCannotEvictAResume(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{
		Conn: netcode.Config{InputRate: 10000, InputBurst: 1000, ReliableQueue: 1024},
		Room: lobby.RoomConfig{MaxPlayers: 2, ResumeGrace: 20 * time.Second},
	}, typ)
	spam := e.dial(netcode.Hello{Name: "spam"})
	victim := e.dial(netcode.Hello{Name: "victim", Room: spam.Welcome().Room})
	waitEvent(t, victim, lobby.EventJoined)
	w0, last := victim.Welcome(), victim.LastEvent()
	victim.CloseNow()
	waitEvent(t, spam, lobby.EventDropped)
	chatter(t, spam, lobby.DefaultEventLog+50) // more than the log keeps
	back, err := e.dialErr(netcode.Hello{Session: w0.Session, LastEvent: last})
	if err != nil {
		t.Fatalf("resume after %d chat events: %v, want the seat back", lobby.DefaultEventLog+50, err)
	}
	if w := back.Welcome(); !w.Resumed || !w.HistoryLost || w.Player != w0.Player {
		t.Fatalf("welcome %+v, want player %d resumed with historyLost", w, w0.Player)
	}
}

// chatter sends n chat messages from c, one at a time, each once the room
// has broadcast the one before.
func chatter(t *testing.T, c *client.Client, n int) {
	t.Helper()
	for i := range n {
		if err := c.SendChat(t.Context(), fmt.Sprintf("msg %d", i)); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, c, lobby.EventChat)
	}
}

// TestGamePanicEndsOnlyItsRoom: a game whose Input panicked took every
// room down (exit 2). Now its room ends with 4005, the panic is logged with
// the stack and counted, and the other rooms play on.
func TestGamePanicEndsOnlyItsRoom(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{OnInput: func(_ game.PlayerID, v int64) {
		if v == 13 {
			panic("unlucky input")
		}
	}})
	var logBuf syncBuffer
	e := newEnvLog(t, lobby.Config{}, 0, &logBuf, typ)
	bad, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	good, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	victim := e.dial(netcode.Hello{Room: bad.ID()})
	player := e.dial(netcode.Hello{Room: good.ID()})
	if _, err := victim.SendInput(t.Context(), testgame.Input(13)); err != nil {
		t.Fatal(err)
	}
	expectClose(t, victim, netcode.CloseRoomClosed)
	<-bad.Done()
	// The other room plays on, and the server takes new players.
	if _, err := player.SendInput(t.Context(), testgame.Input(1)); err != nil {
		t.Fatal(err)
	}
	next(t, player, netcode.MsgSnapshot)
	e.dial(netcode.Hello{})
	if got := metric(t, e.srv, "tickroom_room_panics_total"); got != 1 {
		t.Errorf("room panics counter %v, want 1", got)
	}
	if log := logBuf.String(); !strings.Contains(log, "game panicked") || !strings.Contains(log, "unlucky input") || !strings.Contains(log, "goroutine") {
		t.Errorf("log does not hold the panic with its stack:\n%s", log)
	}
}

// TestGamePanicInConstructorIsAnError: a panic in the game's New is an
// error for the one request, and the server's lock is not left held.
func TestGamePanicInConstructorIsAnError(t *testing.T) {
	t.Parallel()
	boom := game.Type{Name: "boom", New: func(game.Setup) (game.Game, error) { panic("no") }}
	e := newEnv(t, lobby.Config{}, boom)
	if _, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{}); err == nil {
		t.Fatal("CreateRoom with a panicking game: no error")
	}
	if resp, _ := e.call(from("127.0.0.1"), "POST", "/api/rooms", lobby.CreateRequest{}, nil); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("POST /api/rooms with a panicking game: %d, want 500", resp.StatusCode)
	}
	if n := len(e.srv.Rooms()); n != 0 {
		t.Errorf("%d rooms, want 0", n)
	}
}

// TestSeatSquattingIsBounded: eight matchmaking joins with no connection
// held every seat of a room for 15 s. Now one address holds at most
// Reservations unused reservations, and a reservation is good only for the
// address that made it.
func TestSeatSquattingIsBounded(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{MaxPlayers: 8}}, typ)
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	squatter := from("127.0.0.1")
	var res []lobby.Reservation
	for range 8 {
		resp, body := e.call(squatter, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: room.ID()}, nil)
		if resp.StatusCode != http.StatusOK {
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("reservation %d: %d %s, want 200 or 429 with Retry-After", len(res)+1, resp.StatusCode, body)
			}
			break
		}
		var r lobby.Reservation
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		res = append(res, r)
	}
	if len(res) != lobby.DefaultAddrReservations {
		t.Fatalf("one address holds %d reservations, want %d", len(res), lobby.DefaultAddrReservations)
	}
	// Another address still finds free seats, and cannot spend the
	// squatter's reservation.
	other := from("127.0.0.2")
	if _, err := e.dialErr(netcode.Hello{Reservation: res[0].Token}); err != nil {
		// dialErr dials from 127.0.0.1: the reservation's own address.
		t.Fatalf("the reserving address spends its reservation: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = client.Dial(ctx, e.url, client.Options{Hello: netcode.Hello{Reservation: res[1].Token}, HTTPClient: other})
	wantClose(t, err, netcode.CloseUnauthorized)
	e.dialWith(netcode.Hello{Room: room.ID()}, other)
}

// TestClientCannotChooseRoomSizeAboveServerMax: {"maxPlayers":600} was
// accepted on a --max-players 8 server, and 100000 got HTTP 500.
func TestClientCannotChooseRoomSizeAboveServerMax(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{MaxPlayers: 8}}, typ)
	hc := from("127.0.0.1")
	for _, n := range []int{9, 600, 100000, -1} {
		for _, path := range []string{"/api/rooms", "/api/matchmake"} {
			body := any(lobby.CreateRequest{MaxPlayers: n})
			if path == "/api/matchmake" {
				body = lobby.MatchmakeRequest{Mode: "create", CreateRequest: lobby.CreateRequest{MaxPlayers: n}}
			}
			if resp, b := e.call(hc, "POST", path, body, nil); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("POST %s maxPlayers %d: %d %s, want 400", path, n, resp.StatusCode, b)
			}
		}
	}
	if resp, b := e.call(hc, "POST", "/api/rooms", lobby.CreateRequest{MaxPlayers: 4}, nil); resp.StatusCode != http.StatusCreated {
		t.Errorf("maxPlayers 4: %d %s, want 201", resp.StatusCode, b)
	}
}

// TestCrossSitePostsRefused: a text/plain POST with Origin
// http://evil.example got 201 on /api/rooms and 200 on /api/matchmake,
// although /ws refuses that Origin.
func TestCrossSitePostsRefused(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{OriginPatterns: []string{"*.game.example"}}, typ)
	hc := from("127.0.0.1")
	host := strings.TrimPrefix(e.hs.URL, "http://")
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"http://evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
		{"http://" + host, http.StatusCreated},
		{"https://play.game.example", http.StatusCreated},
		{"", http.StatusCreated},
	} {
		hdr := http.Header{"Content-Type": {"text/plain"}}
		if tc.origin != "" {
			hdr.Set("Origin", tc.origin)
		}
		if resp, b := e.call(hc, "POST", "/api/rooms", lobby.CreateRequest{}, hdr); resp.StatusCode != tc.want {
			t.Errorf("POST /api/rooms with Origin %q: %d %s, want %d", tc.origin, resp.StatusCode, b, tc.want)
		}
		want := tc.want
		if want == http.StatusCreated {
			want = http.StatusOK
		}
		if resp, b := e.call(hc, "POST", "/api/matchmake", lobby.MatchmakeRequest{}, hdr); resp.StatusCode != want {
			t.Errorf("POST /api/matchmake with Origin %q: %d %s, want %d", tc.origin, resp.StatusCode, b, want)
		}
	}
}

// TestRoomIDGuessingIsThrottled: private ids had ~40 bits and were
// guessed at 10-14k per second. Now they carry 99 bits, and an address
// that has failed LookupFailBurst lookups is throttled (4015 on /ws, 429 on
// the API), even for an id that exists, while other addresses are not.
func TestRoomIDGuessingIsThrottled(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Limits: lobby.AddrLimits{LookupFailRate: 0.001, LookupFailBurst: 20}}, typ)
	priv, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(priv.ID()); n < 20 {
		t.Fatalf("private room id %q has %d letters, want 20 (99 bits)", priv.ID(), n)
	}
	guesser := from("127.0.0.1")
	notFound := 0
	var final error
	for i := range 40 {
		_, err := e.dialErrWith(netcode.Hello{Room: fmt.Sprintf("guess%03d", i)}, guesser)
		if websocket.CloseStatus(err) != netcode.CloseRoomNotFound {
			final = err
			break
		}
		notFound++
	}
	if notFound != 20 || websocket.CloseStatus(final) != netcode.CloseThrottled {
		t.Fatalf("%d guesses answered room_not_found, then %v; want 20, then close 4015", notFound, final)
	}
	if _, err := e.dialErrWith(netcode.Hello{Room: priv.ID()}, guesser); websocket.CloseStatus(err) != netcode.CloseThrottled {
		t.Fatalf("throttled address joining an existing room: %v, want 4015", err)
	}
	if resp, b := e.call(guesser, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: priv.ID()}, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("throttled address on the API: %d %s, want 429", resp.StatusCode, b)
	}
	e.dialWith(netcode.Hello{Room: priv.ID()}, from("127.0.0.2"))
}

func (e *env) dialErrWith(h netcode.Hello, hc *http.Client) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h, HTTPClient: hc})
	if err == nil {
		e.t.Cleanup(func() { c.CloseNow() })
	}
	return c, err
}

// TestRefusedHandshakesCannotAmplifyTheLog: 20 handshakes offering a 256
// KiB subprotocol header wrote 5 MiB of log. Now each client-caused line is
// cut short and such lines pass at a bounded rate.
func TestRefusedHandshakesCannotAmplifyTheLog(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	var logBuf syncBuffer
	e := newEnvLog(t, lobby.Config{MaxConnsPerIP: -1}, 0, &logBuf, typ)
	huge := strings.Repeat("x", 256<<10)
	const tries = 200
	for range tries {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		_, err := client.Dial(ctx, e.url, client.Options{Subprotocol: huge[:200<<10]})
		cancel()
		if err == nil {
			t.Fatal("a client offering a bogus subprotocol was admitted")
		}
	}
	log := logBuf.String()
	lines := strings.Count(log, "\n")
	t.Logf("%d refused handshakes wrote %d log lines, %d bytes", tries, lines, len(log))
	if len(log) > 64<<10 {
		t.Errorf("%d refused handshakes wrote %d bytes of log, want under 64 KiB", tries, len(log))
	}
	if lines >= tries {
		t.Errorf("%d refused handshakes wrote %d log lines, want them rate-limited", tries, lines)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
