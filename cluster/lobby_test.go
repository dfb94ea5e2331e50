package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/cluster"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
)

// noAddrLimits lifts the per-address limits: every client of the tests
// comes from one address.
var noAddrLimits = lobby.AddrLimits{Rooms: -1, CreateRate: -1, Reservations: -1, LookupFailRate: -1}

// lobbyNode is one tickroom server of a cluster: a lobby.Server on a
// loopback listener whose registry is a Directory.
type lobbyNode struct {
	srv *lobby.Server
	dir *cluster.Directory
	url string // ws://127.0.0.1:port/ws
	api *client.API
}

func startNode(t testing.TB, ns *server.Server, id string) *lobbyNode {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	url := "ws://" + hs.Listener.Addr().String() + "/ws"
	_, js := connect(t, ns)
	dir, err := cluster.Open(ctx(t), js, cluster.Config{NodeID: id, PublicURL: url, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := testgame.Type("count", testgame.Options{})
	srv := lobby.NewServer(lobby.Config{Registry: dir, Cluster: dir, PublicURL: url, Collectors: []prometheus.Collector{dir}, Room: lobby.RoomConfig{MaxPlayers: 4},
		Limits: noAddrLimits}, nil)
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	stop, err := dir.ServeSeats(js.Conn(), srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	hs.Config.Handler = srv
	hs.Start()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		hs.Close()
		dir.Close(sctx)
	})
	api, err := client.NewAPI(url, client.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &lobbyNode{srv: srv, dir: dir, url: url, api: api}
}

func dial(t *testing.T, url string, h netcode.Hello) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx(t), url, client.Options{Hello: h})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// TestRoomsAcrossNodes: a room on one node is listed by the other, and a
// hello sent to the other for it (by id, or by quick play when it is the
// fullest) ends up on the node that hosts it.
func TestRoomsAcrossNodes(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	first := dial(t, a.url, netcode.Hello{Name: "ada"})
	room := first.Welcome().Room
	wait.For(t, "a's room in b's listing", 5*time.Second, func() bool {
		page, err := b.api.ListRooms(t.Context(), client.RoomFilter{})
		return err == nil && len(page.Rooms) == 1 && page.Rooms[0].ID == room && page.Rooms[0].Node == a.url && page.Rooms[0].Players == 1
	})
	byID := dial(t, b.url, netcode.Hello{Name: "bob", Room: room})
	if byID.URL() != a.url || byID.Welcome().Room != room {
		t.Fatalf("a hello to b for a's room ended on %s in room %s, want %s in %s", byID.URL(), byID.Welcome().Room, a.url, room)
	}
	quick := dial(t, b.url, netcode.Hello{Name: "cy"})
	if quick.URL() != a.url || quick.Welcome().Room != room {
		t.Fatalf("quick play on b ended on %s in room %s, want a's room %s with a free seat", quick.URL(), quick.Welcome().Room, room)
	}
	if len(b.srv.Rooms()) != 0 {
		t.Errorf("b hosts %d rooms, want none: every hello went to a", len(b.srv.Rooms()))
	}
	// Without a redirect to follow, the client sees the close and the URL.
	_, err := client.Dial(ctx(t), b.url, client.Options{Hello: netcode.Hello{Room: room}, MaxRedirects: -1})
	if websocket.CloseStatus(err) != netcode.CloseRedirect || !strings.Contains(err.Error(), a.url) {
		t.Fatalf("Dial without redirects: %v, want close %d with a's URL", err, netcode.CloseRedirect)
	}
}

// TestKilledNodeLeavesListings: a node whose process dies without a word
// leaves the other node's listing within the TTL.
func TestKilledNodeLeavesListings(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	dial(t, a.url, netcode.Hello{})
	wait.For(t, "a's room in b's listing", 5*time.Second, func() bool {
		page, err := b.api.ListRooms(t.Context(), client.RoomFilter{})
		return err == nil && len(page.Rooms) == 1
	})
	a.dir.Kill()
	wait.For(t, "a's room gone from b's listing", 3*ttl, func() bool {
		page, err := b.api.ListRooms(t.Context(), client.RoomFilter{})
		return err == nil && len(page.Rooms) == 0
	})
}

// TestSeatsAcrossNodes: a matchmaking request to one node for a room on
// another gets its seat from the room's node, which alone counts them: the
// reservation carries that node's URL, works there, and a full room is
// refused with the hosting node's answer.
func TestSeatsAcrossNodes(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	room, err := a.api.CreateRoom(ctx(t), netcode.CreateRequest{MaxPlayers: 2})
	if err != nil {
		t.Fatal(err)
	}
	wait.For(t, "a's room in b's directory", 5*time.Second, func() bool {
		_, err := b.dir.Get(t.Context(), room.ID)
		return err == nil
	})
	var tokens []string
	for range 2 {
		res, err := b.api.Matchmake(ctx(t), netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: room.ID})
		if err != nil {
			t.Fatalf("matchmake through b: %v", err)
		}
		if res.URL != a.url || res.Room != room.ID {
			t.Fatalf("reservation %+v, want a seat in %s at %s", res, room.ID, a.url)
		}
		tokens = append(tokens, res.Token)
	}
	_, err = b.api.Matchmake(ctx(t), netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: room.ID})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusConflict {
		t.Fatalf("a third seat through b in a room of 2: %v, want 409 from a", err)
	}
	body := scrape(t, b)
	for _, want := range []string{`tickroom_cluster_seat_request_seconds_count{result="ok"} 2`, `tickroom_cluster_seat_request_seconds_count{result="refused"} 1`} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("b's metrics lack %s", want)
		}
	}
	c := dial(t, a.url, netcode.Hello{Reservation: tokens[0]})
	if c.Welcome().Room != room.ID {
		t.Fatalf("the reservation joined %s, want %s", c.Welcome().Room, room.ID)
	}
	// A token sent to the wrong node is sent on to the room's.
	d := dial(t, b.url, netcode.Hello{Reservation: tokens[1]})
	if d.URL() != a.url || d.Welcome().Room != room.ID {
		t.Fatalf("the second reservation through b ended on %s in %s", d.URL(), d.Welcome().Room)
	}
}

// TestQuickMatchmakeAcrossNodes: quick matchmaking on a node without
// rooms reserves the seat in another node's room that has players and a
// free seat, rather than opening an empty room next to it.
func TestQuickMatchmakeAcrossNodes(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	room := dial(t, a.url, netcode.Hello{}).Welcome().Room
	wait.For(t, "a's room with its player in b's directory", 5*time.Second, func() bool {
		info, err := b.dir.Get(t.Context(), room)
		return err == nil && info.Players == 1
	})
	res, err := b.api.Matchmake(ctx(t), netcode.MatchmakeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Room != room || res.URL != a.url {
		t.Fatalf("quick matchmaking through b: %+v, want a seat in a's room %s", res, room)
	}
	if len(b.srv.Rooms()) != 0 {
		t.Errorf("b opened %d rooms, want none", len(b.srv.Rooms()))
	}
}

// seenLoad waits until d sees node id with the given player count.
func seenLoad(t *testing.T, d *cluster.Directory, id string, players int, draining bool) {
	t.Helper()
	wait.For(t, "node "+id+"'s load", 5*time.Second, func() bool {
		for _, n := range d.Nodes() {
			if n.ID == id {
				return n.Players == players && n.Draining == draining
			}
		}
		return false
	})
}

// TestQuickPlayOpensRoomsOnTheLeastLoadedNode: with no room to join
// anywhere, a quick play sent to a busy node opens its room on the
// least-loaded one.
func TestQuickPlayOpensRoomsOnTheLeastLoadedNode(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	a.dir.SetLoad(3, 12, 12, false)
	seenLoad(t, a.dir, "a", 12, false)
	seenLoad(t, b.dir, "a", 12, false)
	c := dial(t, a.url, netcode.Hello{})
	if c.URL() != b.url || len(b.srv.Rooms()) != 1 || len(a.srv.Rooms()) != 0 {
		t.Fatalf("quick play on the busy node ended on %s (a hosts %d rooms, b %d); want a new room on b", c.URL(), len(a.srv.Rooms()), len(b.srv.Rooms()))
	}
}

// TestDrainingNodeSendsQuickPlayElsewhere: a draining node sends quick
// play to another node instead of refusing it, and keeps its own room
// for the players in it.
func TestDrainingNodeSendsQuickPlayElsewhere(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	stay := dial(t, a.url, netcode.Hello{})
	drained := make(chan error, 1)
	go func() { drained <- a.srv.Drain(context.Background(), 10*time.Second) }()
	wait.For(t, "a draining", 5*time.Second, a.srv.Draining)
	a.dir.SetLoad(1, 1, 1, true)
	seenLoad(t, b.dir, "a", 1, true)
	c := dial(t, a.url, netcode.Hello{})
	if c.URL() != b.url {
		t.Fatalf("quick play on the draining node ended on %s, want b", c.URL())
	}
	if err := stay.Leave(ctx(t)); err != nil { // the last room empties: the drain ends
		t.Fatal(err)
	}
	select {
	case <-drained:
	case <-time.After(15 * time.Second):
		t.Fatal("the drain did not end")
	}
}

// TestNodesPagesMayUseEachOther: a page served by one node may open a
// WebSocket on another (the Origin check takes every node's host), and
// other sites' pages still may not.
func TestNodesPagesMayUseEachOther(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	wait.For(t, "both nodes known", 5*time.Second, func() bool { return len(b.dir.Nodes()) == 2 })
	aHost := strings.TrimSuffix(strings.TrimPrefix(a.url, "ws://"), "/ws")
	ok, err := client.Dial(ctx(t), b.url, client.Options{HTTPHeader: http.Header{"Origin": {"http://" + aHost}}})
	if err != nil {
		t.Fatalf("a page of node a opening a WebSocket on b: %v", err)
	}
	ok.CloseNow()
	if _, err := client.Dial(ctx(t), b.url, client.Options{HTTPHeader: http.Header{"Origin": {"http://evil.example"}}}); err == nil {
		t.Fatal("a page of another site opened a WebSocket on b")
	}
}

// TestClusterMetrics: a node's /metrics shows the cluster as it sees it.
func TestClusterMetrics(t *testing.T) {
	ns := natsServer(t)
	a, _ := startNode(t, ns, "a"), startNode(t, ns, "b")
	dial(t, a.url, netcode.Hello{})
	want := []string{
		"tickroom_cluster_nats_connected 1",
		"tickroom_cluster_directory_ok 1",
		`tickroom_cluster_nodes{state="serving"} 2`,
		"tickroom_cluster_rooms 1",
		"tickroom_cluster_write_failures_total 0",
		"tickroom_cluster_heartbeat_age_seconds ",
	}
	has := func(body, w string) bool {
		return strings.Contains(body, w+"\n") || (strings.HasSuffix(w, " ") && strings.Contains(body, "\n"+w))
	}
	var body string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		body = scrape(t, a)
		missing := slices.DeleteFunc(slices.Clone(want), func(w string) bool { return has(body, w) })
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a's metrics lack %q:\n%s", missing, body)
		}
	}
}

// TestRaceForTheLastSeatsAcrossNodes: 50 clients, through three nodes,
// matchmake and dial at once for the seats of one room: the room's node
// alone counts them, so exactly its seats are taken, never more.
func TestRaceForTheLastSeatsAcrossNodes(t *testing.T) {
	ns := natsServer(t)
	nodes := []*lobbyNode{startNode(t, ns, "a"), startNode(t, ns, "b"), startNode(t, ns, "c")}
	room, err := nodes[0].api.CreateRoom(ctx(t), netcode.CreateRequest{MaxPlayers: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes[1:] {
		wait.For(t, "the room in every directory", 5*time.Second, func() bool {
			_, err := n.dir.Get(t.Context(), room.ID)
			return err == nil
		})
	}
	const clients = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := nodes[i%len(nodes)]
			var err error
			if i%2 == 0 {
				_, err = n.api.Matchmake(ctx(t), netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: room.ID})
			} else {
				var c *client.Client
				if c, err = client.Dial(ctx(t), n.url, client.Options{Hello: netcode.Hello{Room: room.ID}}); err == nil {
					t.Cleanup(func() { c.CloseNow() })
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
			} else {
				lost++
			}
		}()
	}
	wg.Wait()
	if won != room.MaxPlayers || lost != clients-room.MaxPlayers {
		t.Fatalf("%d won a seat and %d lost, want exactly %d seats taken", won, lost, room.MaxPlayers)
	}
	r, _ := nodes[0].srv.Room(room.ID)
	if st := r.Stats(); st.Players+st.Reserved != room.MaxPlayers {
		t.Errorf("the room has %d players and %d reservations, want %d seats in all", st.Players, st.Reserved, room.MaxPlayers)
	}
}

// scrape returns a node's /metrics.
func scrape(t *testing.T, n *lobbyNode) string {
	t.Helper()
	resp, err := http.Get("http://" + strings.TrimSuffix(strings.TrimPrefix(n.url, "ws://"), "/ws") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAdminViewShowsTheCluster: a node's admin view lists every node with
// its load, and the rooms the other nodes host.
func TestAdminViewShowsTheCluster(t *testing.T) {
	ns := natsServer(t)
	a, b := startNode(t, ns, "a"), startNode(t, ns, "b")
	room, err := b.api.CreateRoom(ctx(t), netcode.CreateRequest{})
	if err != nil {
		t.Fatal(err)
	}
	view := httptest.NewServer(admin.Handler(a.srv, "tok"))
	defer view.Close()
	var st admin.State
	wait.For(t, "the cluster in a's admin view", 5*time.Second, func() bool {
		req, _ := http.NewRequest("GET", view.URL+"/admin/api/state", nil)
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		st = admin.State{}
		if json.NewDecoder(resp.Body).Decode(&st) != nil {
			return false
		}
		return len(st.Nodes) == 2 && len(st.Elsewhere) == 1 && st.Elsewhere[0].ID == room.ID && st.Elsewhere[0].Node == b.url
	})
}
