package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// serveAPI starts a server that hosts the game types alpha (the default)
// and beta on a loopback listener, and returns a client of its API.
func serveAPI(t *testing.T, cfg lobby.Config, opts client.APIOptions) (*client.API, *httptest.Server) {
	t.Helper()
	srv := lobby.NewServer(cfg, nil)
	for _, name := range []string{"alpha", "beta"} {
		typ, _ := testgame.Type(name, testgame.Options{})
		if err := srv.Register(typ); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	if opts.HTTPClient == nil {
		opts.HTTPClient = hs.Client() // closed with hs: no idle connection outlives the test
	}
	api, err := client.NewAPI(hs.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	return api, hs
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantAPIError fails unless err is an *APIError with status and a message
// that holds text.
func wantAPIError(t *testing.T, err error, status int, text string) *client.APIError {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != status || !strings.Contains(ae.Message, text) {
		t.Fatalf("got %v, want an APIError %d with %q", err, status, text)
	}
	return ae
}

func TestAPIListRooms(t *testing.T) {
	t.Parallel()
	api, _ := serveAPI(t, lobby.Config{}, client.APIOptions{})
	ctx := testContext(t)
	var want []string
	for _, req := range []netcode.CreateRequest{
		{Game: "alpha", MaxPlayers: 2}, {Game: "alpha", MaxPlayers: 2}, {Game: "beta"}, {MaxPlayers: 3},
	} {
		info, err := api.CreateRoom(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if info.ID == "" || (req.Game != "" && info.Game != req.Game) || (req.MaxPlayers != 0 && info.MaxPlayers != req.MaxPlayers) {
			t.Fatalf("created %+v, want a room as %+v asked", info, req)
		}
		want = append(want, info.ID)
	}
	if _, err := api.CreateRoom(ctx, netcode.CreateRequest{Private: true}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)

	// Two rooms a page: the pages follow one another through Next.
	var got []string
	pages := 0
	for f := (client.RoomFilter{Limit: 2}); ; pages++ {
		page, err := api.ListRooms(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rooms) > 2 {
			t.Fatalf("page %d: %d rooms, want at most 2", pages, len(page.Rooms))
		}
		for _, r := range page.Rooms {
			got = append(got, r.ID)
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if !slices.Equal(got, want) || pages != 1 {
		t.Errorf("listed %v in %d pages, want the public rooms %v in 2", got, pages+1, want)
	}

	for _, tc := range []struct {
		f    client.RoomFilter
		want int
	}{
		{client.RoomFilter{}, 4},
		{client.RoomFilter{Game: "alpha"}, 3}, // alpha is the default game
		{client.RoomFilter{Game: "beta"}, 1},
		{client.RoomFilter{Game: "alpha", Free: 3}, 1},
		{client.RoomFilter{Free: 1 << 20}, 0},
	} {
		page, err := api.ListRooms(ctx, tc.f)
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		if len(page.Rooms) != tc.want || page.Next != "" {
			t.Errorf("%+v: %d rooms, next %q; want %d on one page", tc.f, len(page.Rooms), page.Next, tc.want)
		}
	}
}

func TestAPIMatchmake(t *testing.T) {
	t.Parallel()
	api, _ := serveAPI(t, lobby.Config{}, client.APIOptions{})
	ctx := testContext(t)
	join := func(res netcode.Reservation) {
		t.Helper()
		c, err := client.Dial(ctx, api.WebSocketURL(), client.Options{Hello: netcode.Hello{Reservation: res.Token}})
		if err != nil {
			t.Fatalf("dial with %+v: %v", res, err)
		}
		t.Cleanup(func() { c.CloseNow() })
		if w := c.Welcome(); w.Room != res.Room || w.Game != res.Game {
			t.Fatalf("welcome to room %s (%s), want the reservation's %s (%s)", w.Room, w.Game, res.Room, res.Game)
		}
	}

	quick, err := api.Matchmake(ctx, netcode.MatchmakeRequest{CreateRequest: netcode.CreateRequest{Game: "beta"}})
	if err != nil {
		t.Fatal(err)
	}
	if quick.Game != "beta" || quick.Token == "" || !quick.Expires.After(time.Now()) {
		t.Fatalf("quick: %+v, want a beta seat that has not expired", quick)
	}
	join(quick)

	created, err := api.Matchmake(ctx, netcode.MatchmakeRequest{Mode: netcode.MatchmakeCreate,
		CreateRequest: netcode.CreateRequest{Game: "alpha", MaxPlayers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if created.Room == quick.Room {
		t.Fatalf("create gave a seat in the quick room %s", quick.Room)
	}
	joined, err := api.Matchmake(ctx, netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: created.Room})
	if err != nil {
		t.Fatal(err)
	}
	if joined.Room != created.Room || joined.Token == created.Token {
		t.Fatalf("join: %+v, want another seat in %s", joined, created.Room)
	}
	join(created)
	join(joined)

	_, err = api.Matchmake(ctx, netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: created.Room})
	wantAPIError(t, err, http.StatusConflict, "full")
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	api, hs := serveAPI(t, lobby.Config{
		Authorize: lobby.SharedSecret("pw"),
		Limits:    lobby.AddrLimits{CreateRate: 0.001, CreateBurst: 1},
	}, client.APIOptions{})
	ctx := testContext(t)

	_, err := api.ListRooms(ctx, client.RoomFilter{Game: "gamma"})
	ae := wantAPIError(t, err, http.StatusNotFound, "no such game")
	if ae.Op != "GET /api/rooms?game=gamma" || !strings.Contains(err.Error(), "404 Not Found") {
		t.Errorf("error %q from %q, want one that names GET /api/rooms?game=gamma and 404 Not Found", err, ae.Op)
	}
	if _, err := api.ListRooms(ctx, client.RoomFilter{}); err != nil {
		t.Fatalf("listing without the secret, which it needs not: %v", err)
	}
	_, err = api.CreateRoom(ctx, netcode.CreateRequest{})
	wantAPIError(t, err, http.StatusUnauthorized, "join secret")
	_, err = api.Matchmake(ctx, netcode.MatchmakeRequest{})
	wantAPIError(t, err, http.StatusUnauthorized, "join secret")

	authed, err := client.NewAPI(hs.URL, client.APIOptions{HTTPClient: hs.Client(), JoinSecret: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authed.CreateRoom(ctx, netcode.CreateRequest{}); err != nil {
		t.Fatalf("with the secret: %v", err)
	}
	_, err = authed.CreateRoom(ctx, netcode.CreateRequest{})
	if ae := wantAPIError(t, err, http.StatusTooManyRequests, ""); ae.RetryAfter < time.Second {
		t.Errorf("over the creation rate: Retry-After %v, want the server's wait", ae.RetryAfter)
	}
	_, err = authed.CreateRoom(ctx, netcode.CreateRequest{MaxPlayers: -1})
	wantAPIError(t, err, http.StatusBadRequest, "maxPlayers")
}

// TestAPIForeignAnswers: what is not the API's answer, as a proxy or
// another server gives it, is an error that says what came.
func TestAPIForeignAnswers(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("game") {
		case "proxy":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "upstream is down", http.StatusServiceUnavailable)
		case "huge":
			w.Write([]byte("["))
			w.Write([]byte(strings.Repeat(`{"id":"x"},`, 200_000)))
		case "badlink":
			w.Header().Set("Link", `</api/rooms?game=badlink>; rel="next"`)
			w.Write([]byte("[]"))
		default:
			w.Write([]byte("<html>"))
		}
	}))
	t.Cleanup(hs.Close)
	api, err := client.NewAPI(hs.URL, client.APIOptions{HTTPClient: hs.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	_, err = api.ListRooms(ctx, client.RoomFilter{Game: "proxy"})
	if ae := wantAPIError(t, err, http.StatusServiceUnavailable, "upstream is down"); ae.RetryAfter != 7*time.Second {
		t.Errorf("Retry-After %v, want 7s", ae.RetryAfter)
	}
	for game, want := range map[string]string{"huge": "answer over", "badlink": "no cursor", "html": "decode answer"} {
		if page, err := api.ListRooms(ctx, client.RoomFilter{Game: game}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: listed %d rooms, %v; want an error with %q", game, len(page.Rooms), err, want)
		}
	}
}

func TestNewAPI(t *testing.T) {
	t.Parallel()
	for server, ws := range map[string]string{
		"http://localhost:8080":          "ws://localhost:8080/ws",
		"http://localhost:8080/":         "ws://localhost:8080/ws",
		"https://example.com/games":      "wss://example.com/games/ws",
		"ws://localhost:8080/ws":         "ws://localhost:8080/ws",
		"ws://localhost:8080":            "ws://localhost:8080/ws",
		"wss://example.com/games/ws?x=1": "wss://example.com/games/ws",
	} {
		api, err := client.NewAPI(server, client.APIOptions{})
		if err != nil {
			t.Errorf("%s: %v", server, err)
			continue
		}
		if got := api.WebSocketURL(); got != ws {
			t.Errorf("%s: WebSocket address %s, want %s", server, got, ws)
		}
	}
	for _, server := range []string{"localhost:8080", "ftp://example.com", "ws://example.com/api", "http://", "http://[::1"} {
		if _, err := client.NewAPI(server, client.APIOptions{}); err == nil {
			t.Errorf("%s: no error", server)
		}
	}
}

// TestAPIFromWebSocketURL: the address Dial takes reaches the API.
func TestAPIFromWebSocketURL(t *testing.T) {
	t.Parallel()
	_, hs := serveAPI(t, lobby.Config{}, client.APIOptions{})
	api, err := client.NewAPI("ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.APIOptions{HTTPClient: hs.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	room, err := api.CreateRoom(ctx, netcode.CreateRequest{Game: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	page, err := api.ListRooms(ctx, client.RoomFilter{})
	if err != nil || len(page.Rooms) != 1 || !reflect.DeepEqual(page.Rooms[0], room) {
		t.Fatalf("listed %+v, %v; want the room created, %+v", page.Rooms, err, room)
	}
}
