package lobby_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// api calls the server's JSON API and decodes the answer into out (if
// non-nil); it returns the status code.
func (e *env) api(method, path string, body, out any) int {
	e.t.Helper()
	resp, b := e.call(http.DefaultClient, method, path, body, nil)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func (e *env) dialErr(h netcode.Hello) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h})
	if err == nil {
		e.t.Cleanup(func() { c.CloseNow() })
	}
	return c, err
}

func wantClose(t *testing.T, err error, want websocket.StatusCode) {
	t.Helper()
	if got := websocket.CloseStatus(err); got != want {
		t.Fatalf("closed with %v (%v), want %v", got, err, want)
	}
}

func TestRoomListing(t *testing.T) {
	t.Parallel()
	a, _ := testgame.Type("alpha", testgame.Options{})
	b, _ := testgame.Type("beta", testgame.Options{})
	e := newEnv(t, lobby.Config{}, a, b)
	var pub, priv lobby.RoomInfo
	if got := e.api("POST", "/api/rooms", lobby.CreateRequest{Game: "alpha", MaxPlayers: 2}, &pub); got != http.StatusCreated {
		t.Fatalf("create: status %d", got)
	}
	if got := e.api("POST", "/api/rooms", lobby.CreateRequest{Game: "beta", Private: true}, &priv); got != http.StatusCreated {
		t.Fatalf("create private: status %d", got)
	}
	e.dial(netcode.Hello{Room: pub.ID})
	e.dial(netcode.Hello{Room: priv.ID}) // private rooms are joinable by id

	var rooms []lobby.RoomInfo
	wait.For(t, "the listing to show the player", 5*time.Second, func() bool {
		e.api("GET", "/api/rooms", nil, &rooms)
		return len(rooms) == 1 && rooms[0].Players == 1
	})
	if r := rooms[0]; r.ID != pub.ID || r.Game != "alpha" || r.MaxPlayers != 2 || r.Private {
		t.Fatalf("listing %+v, want the public alpha room with 2 seats", r)
	}
	for query, want := range map[string]int{"?game=alpha": 1, "?game=beta": 0, "?free=1": 1, "?free=2": 0} {
		rooms = nil
		if got := e.api("GET", "/api/rooms"+query, nil, &rooms); got != http.StatusOK {
			t.Fatalf("%s: status %d", query, got)
		}
		if len(rooms) != want {
			t.Errorf("%s: %d rooms, want %d", query, len(rooms), want)
		}
	}
	if got := e.api("GET", "/api/rooms?free=lots", nil, nil); got != http.StatusBadRequest {
		t.Errorf("bad filter: status %d, want 400", got)
	}
	for _, body := range []any{map[string]any{"game": "chess"}, map[string]any{"bogus": 1}, map[string]any{"maxPlayers": -1}} {
		want := http.StatusBadRequest
		if body.(map[string]any)["game"] == "chess" {
			want = http.StatusNotFound
		}
		if got := e.api("POST", "/api/rooms", body, nil); got != want {
			t.Errorf("create %v: status %d, want %d", body, got, want)
		}
	}
}

func TestMatchmakeReservation(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	clk := fakeTime()
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{MaxPlayers: 2}, Clock: clk}, typ)
	var r1, r2 lobby.Reservation
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{}, &r1); got != http.StatusOK {
		t.Fatalf("matchmake: status %d", got)
	}
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{}, &r2); got != http.StatusOK {
		t.Fatalf("matchmake: status %d", got)
	}
	if r1.Room != r2.Room || r1.Token == r2.Token || r1.Token == "" {
		t.Fatalf("reservations %+v and %+v, want two seats in one room", r1, r2)
	}
	// Both seats are held: joining the room without a reservation fails.
	_, err := e.dialErr(netcode.Hello{Room: r1.Room})
	wantClose(t, err, netcode.CloseRoomFull)
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: r1.Room}, nil); got != http.StatusConflict {
		t.Fatalf("matchmake join of a full room: status %d, want 409", got)
	}
	c := e.dial(netcode.Hello{Reservation: r1.Token})
	if c.Welcome().Room != r1.Room {
		t.Fatalf("reservation joined room %q, want %q", c.Welcome().Room, r1.Room)
	}
	// A reservation is good once.
	_, err = e.dialErr(netcode.Hello{Reservation: r1.Token})
	wantClose(t, err, netcode.CloseUnauthorized)
	// r2 expires unused and frees its seat.
	room, _ := e.srv.Room(r1.Room)
	if !r2.Expires.Equal(clk.Now().Add(lobby.DefaultReservationTTL)) {
		t.Errorf("reservation expires at %v, want the clock's now plus the TTL %v", r2.Expires, lobby.DefaultReservationTTL)
	}
	advanceRoom(t, clk, room, lobby.DefaultReservationTTL)
	if got := room.Stats().ReservationsExpired; got != 0 {
		t.Fatalf("%d reservations expired at their deadline, want none until after it", got)
	}
	advanceUntil(t, clk, 10*time.Millisecond, "the reservation to expire", func() bool { return room.Stats().ReservationsExpired == 1 })
	_, err = e.dialErr(netcode.Hello{Reservation: r2.Token})
	wantClose(t, err, netcode.CloseUnauthorized)
	e.dial(netcode.Hello{Room: r1.Room})
	if got := room.Stats().Players; got != 2 {
		t.Fatalf("%d players, want 2", got)
	}
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "sideways"}, nil); got != http.StatusBadRequest {
		t.Fatalf("bad mode: status %d, want 400", got)
	}
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: "nope"}, nil); got != http.StatusNotFound {
		t.Fatalf("unknown room: status %d, want 404", got)
	}
}

// TestRaceForLastSeats: 50 clients race for the last seats of a room, over
// the matchmaking API and over WebSocket joins; the room never over-fills.
func TestRaceForLastSeats(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	// Every racer comes from 127.0.0.1: the per-address cap of
	// reservations is lifted, as for a load test.
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{MaxPlayers: 8}, Limits: lobby.AddrLimits{Reservations: -1}}, typ)
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.dial(netcode.Hello{Room: room.ID()})
	}
	const racers = 50
	var wg sync.WaitGroup
	statuses := make(chan int, racers)
	for range racers / 2 {
		wg.Go(func() {
			statuses <- e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: room.ID()}, nil)
		})
	}
	closes := make(chan error, racers)
	for range racers / 2 {
		wg.Go(func() {
			_, err := e.dialErr(netcode.Hello{Room: room.ID()})
			closes <- err
		})
	}
	wg.Wait()
	close(statuses)
	close(closes)
	won := 0
	for s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("matchmake status %d, want 200 or 409", s)
		}
	}
	for err := range closes {
		switch websocket.CloseStatus(err) {
		case -1:
			if err != nil {
				t.Errorf("join: %v", err)
			}
			won++
		case netcode.CloseRoomFull:
		default:
			t.Errorf("join: %v, want success or room full", err)
		}
	}
	if won != 5 {
		t.Fatalf("%d racers got a seat, want exactly the 5 free", won)
	}
	if s := room.Stats(); s.Players+s.Reserved != 8 {
		t.Fatalf("%d players + %d reserved, want 8", s.Players, s.Reserved)
	}
}

func TestLockedRoom(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	c := e.dial(netcode.Hello{})
	room, _ := e.srv.Room(c.Welcome().Room)
	if err := room.SetLocked(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	_, err := e.dialErr(netcode.Hello{Room: room.ID()})
	wantClose(t, err, netcode.CloseRoomFull)
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: room.ID()}, nil); got != http.StatusConflict {
		t.Fatalf("matchmake into a locked room: status %d, want 409", got)
	}
	// Quick play passes the locked room by.
	other := e.dial(netcode.Hello{})
	if other.Welcome().Room == room.ID() {
		t.Fatal("quick play joined a locked room")
	}
	var rooms []lobby.RoomInfo
	e.api("GET", "/api/rooms", nil, &rooms)
	for _, r := range rooms {
		if r.ID == room.ID() && !r.Locked {
			t.Fatal("listing does not show the room as locked")
		}
	}
}

func TestSpectator(t *testing.T) {
	t.Parallel()
	typ, ctr := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{MaxPlayers: 1}}, typ)
	p := e.dial(netcode.Hello{Name: "player"})
	s := e.dial(netcode.Hello{Room: p.Welcome().Room, Spectator: true})
	if !s.Welcome().Spectator {
		t.Fatal("welcome does not say spectator")
	}
	room, _ := e.srv.Room(p.Welcome().Room)
	if st := room.Stats(); st.Players != 1 || st.Spectators != 1 {
		t.Fatalf("%d players, %d spectators; want 1 and 1 (a spectator takes no seat)", st.Players, st.Spectators)
	}
	next(t, s, netcode.MsgSnapshot)
	if _, err := s.SendInput(t.Context(), testgame.Input(1)); err != nil {
		t.Fatal(err)
	}
	expectError(t, s, netcode.ErrCodeNotAllowed)
	if _, err := p.SendInput(t.Context(), testgame.Input(1)); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the player's input", 5*time.Second, func() bool { return ctr.Inputs.Load() == 1 })
	// Events reach spectators too.
	if err := p.SendChat(t.Context(), "hi"); err != nil {
		t.Fatal(err)
	}
	for {
		if m := next(t, s, netcode.MsgEvent); m.Kind == lobby.EventChat {
			break
		}
	}
}

func TestChat(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Conn: netcode.Config{InputRate: 5, InputBurst: 3, FloodLimit: 1000}}, typ)
	a := e.dial(netcode.Hello{Name: "ada"})
	b := e.dial(netcode.Hello{Name: "bob", Room: a.Welcome().Room})
	if err := a.SendChat(t.Context(), "<b>hello</b>"); err != nil {
		t.Fatal(err)
	}
	for {
		m := next(t, b, netcode.MsgEvent)
		if m.Kind != lobby.EventChat {
			continue
		}
		var ce lobby.ChatEvent
		if err := msgpackUnmarshal(m.Payload, &ce); err != nil {
			t.Fatal(err)
		}
		if ce.Player != a.Welcome().Player || ce.Text != "<b>hello</b>" {
			t.Fatalf("chat %+v, want ada's text as sent", ce)
		}
		break
	}
	long := make([]byte, lobby.MaxChatRunes+1)
	for i := range long {
		long[i] = 'x'
	}
	if err := a.SendChat(t.Context(), string(long)); err != nil {
		t.Fatal(err)
	}
	expectError(t, a, netcode.ErrCodeBadMessage)
	for i := range 10 {
		if err := a.SendChat(t.Context(), fmt.Sprint("spam ", i)); err != nil {
			t.Fatal(err)
		}
	}
	expectError(t, a, netcode.ErrCodeRateLimited)
}

func TestJoinSecret(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: lobby.SharedSecret("s3cret")}, typ)
	_, err := e.dialErr(netcode.Hello{})
	wantClose(t, err, netcode.CloseUnauthorized)
	_, err = e.dialErr(netcode.Hello{Auth: "guess"})
	wantClose(t, err, netcode.CloseUnauthorized)
	e.dial(netcode.Hello{Auth: "s3cret"})
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{}, nil); got != http.StatusUnauthorized {
		t.Fatalf("matchmake without the secret: status %d, want 401", got)
	}
	// Who asks comes before what is asked: a bad body without the secret
	// is 401, not 400.
	for _, path := range []string{"/api/matchmake", "/api/rooms"} {
		if got := e.api("POST", path, map[string]any{"nonsense": 1}, nil); got != http.StatusUnauthorized {
			t.Errorf("POST %s with a bad body and no secret: status %d, want 401", path, got)
		}
	}
	req, _ := http.NewRequest("POST", e.hs.URL+"/api/matchmake", bytes.NewBufferString("{}"))
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("matchmake with the secret: status %d, want 200", resp.StatusCode)
	}
}

func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, lobby.Config{MaxConnsPerIP: 2}, typ)
		e.dial(netcode.Hello{})
		c := e.dial(netcode.Hello{})
		_, err := e.dialErr(netcode.Hello{})
		wantClose(t, err, netcode.CloseTooManyConns)
		// A slot frees when a connection ends.
		c.Close()
		wait.For(t, "a free slot", 5*time.Second, func() bool {
			_, err := e.dialErr(netcode.Hello{})
			return err == nil
		})
	})
	t.Run("server-wide", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, lobby.Config{MaxConns: 1}, typ)
		e.dial(netcode.Hello{})
		_, err := e.dialErr(netcode.Hello{})
		wantClose(t, err, netcode.CloseTooManyConns)
	})
}

// TestReservationIsForASeat: a spectator's hello cannot spend a seat's
// reservation, which stays good for the player it was made for; its
// expiry is UTC.
func TestReservationIsForASeat(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	var res lobby.Reservation
	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{}, &res); got != http.StatusOK {
		t.Fatalf("matchmake: status %d", got)
	}
	if res.Expires.Location() != time.UTC {
		t.Errorf("expiresAt %v, want UTC", res.Expires)
	}
	_, err := e.dialErr(netcode.Hello{Reservation: res.Token, Spectator: true})
	wantClose(t, err, netcode.CloseBadHello)
	e.dial(netcode.Hello{Reservation: res.Token})
}
