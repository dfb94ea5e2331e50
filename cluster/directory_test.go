package cluster_test

import (
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tickroom/tickroom/cluster"
	"github.com/tickroom/tickroom/internal/embednats"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/registrytest"
	"github.com/tickroom/tickroom/netcode"
)

const ttl = cluster.MinTTL

func node(t *testing.T, ns *server.Server, id string) *cluster.Directory {
	t.Helper()
	_, js := connect(t, ns)
	d, err := cluster.Open(ctx(t), js, cluster.Config{NodeID: id, PublicURL: "ws://" + id + ":8080/ws", TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close(ctx(t)) })
	return d
}

func ids(t *testing.T, d *cluster.Directory, f lobby.Filter) []string {
	t.Helper()
	rooms, err := d.List(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rooms {
		out = append(out, r.ID)
	}
	return out
}

func TestRoomsAreShared(t *testing.T) {
	ns := natsServer(t)
	a, b := node(t, ns, "a"), node(t, ns, "b")
	if err := a.Put(t.Context(), netcode.RoomInfo{ID: "r1", Game: "snake", Players: 1, MaxPlayers: 8}); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(t.Context(), netcode.RoomInfo{ID: "r2", Game: "snake", Players: 8, MaxPlayers: 8}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*cluster.Directory{a, b} {
		wait.For(t, "both rooms listed on both nodes", 5*time.Second, func() bool {
			return slices.Equal(ids(t, d, lobby.Filter{}), []string{"r1", "r2"})
		})
	}
	got, err := b.Get(t.Context(), "r1")
	if err != nil || got.Node != "ws://a:8080/ws" || got.Players != 1 {
		t.Fatalf("b.Get(r1) = %+v, %v; want a's room with a's URL", got, err)
	}
	if free := ids(t, a, lobby.Filter{MinFree: 1}); !slices.Equal(free, []string{"r1"}) {
		t.Errorf("rooms with a free seat: %v, want [r1]", free)
	}
	if err := a.Delete(t.Context(), "r1"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "the deleted room to leave b's listing", 5*time.Second, func() bool {
		return slices.Equal(ids(t, b, lobby.Filter{}), []string{"r2"})
	})
	if _, err := b.Get(t.Context(), "r1"); err == nil {
		t.Error("b.Get of a deleted room succeeded")
	}
}

// TestDeadNodeLeavesTheListings: a node that stops without a word (as
// under SIGKILL) leaves the others' listings, rooms and node entry,
// within the TTL; one that heartbeats stays.
func TestDeadNodeLeavesTheListings(t *testing.T) {
	ns := natsServer(t)
	a, b := node(t, ns, "a"), node(t, ns, "b")
	a.Put(t.Context(), netcode.RoomInfo{ID: "ra", Game: "snake", MaxPlayers: 8})
	b.Put(t.Context(), netcode.RoomInfo{ID: "rb", Game: "snake", MaxPlayers: 8})
	wait.For(t, "both rooms listed", 5*time.Second, func() bool {
		return slices.Equal(ids(t, b, lobby.Filter{}), []string{"ra", "rb"}) && len(b.Nodes()) == 2
	})
	a.Kill()
	killed := time.Now()
	wait.For(t, "the dead node's room to expire", 3*ttl, func() bool {
		return slices.Equal(ids(t, b, lobby.Filter{}), []string{"rb"})
	})
	wait.For(t, "the dead node to leave the nodes", 3*ttl, func() bool { return len(b.Nodes()) == 1 })
	t.Logf("the dead node's entries left the listing %v after it stopped (TTL %v)", time.Since(killed), ttl)
	// The live node's room outlived several TTLs on its heartbeat.
	time.Sleep(ttl)
	if got := ids(t, b, lobby.Filter{}); !slices.Equal(got, []string{"rb"}) {
		t.Errorf("after the TTL: %v, want the live node's room", got)
	}
}

func TestNodesShowLoadAndDraining(t *testing.T) {
	ns := natsServer(t)
	a, b := node(t, ns, "a"), node(t, ns, "b")
	a.SetLoad(3, 10, 12, true)
	wait.For(t, "a's draining entry on b", 5*time.Second, func() bool {
		for _, n := range b.Nodes() {
			if n.ID == "a" {
				return n.Draining && n.Rooms == 3 && n.Players == 10 && n.PublicURL == "ws://a:8080/ws"
			}
		}
		return false
	})
}

func TestConfigRefused(t *testing.T) {
	ns := natsServer(t)
	_, js := connect(t, ns)
	for _, cfg := range []cluster.Config{
		{NodeID: "a.b", PublicURL: "ws://x/ws"},
		{NodeID: "", PublicURL: "ws://x/ws"},
		{NodeID: "a", PublicURL: "http://x/ws"},
		{NodeID: "a", PublicURL: "ws://x/ws", TTL: 500 * time.Millisecond},
	} {
		if d, err := cluster.Open(ctx(t), js, cfg); err == nil {
			d.Close(ctx(t))
			t.Errorf("Open(%+v) succeeded, want an error", cfg)
		}
	}
}

// TestNATSRestart: when the NATS server restarts without its JetStream
// data, the nodes make the buckets again and put their entries back, and
// listings show every node's rooms again.
func TestNATSRestart(t *testing.T) {
	ns, err := embednats.Start(t.TempDir(), -1)
	if err != nil {
		t.Fatal(err)
	}
	port := ns.Addr().(*net.TCPAddr).Port
	reconnecting := func(id string) *cluster.Directory {
		nc, err := nats.Connect(ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		d, err := cluster.Open(ctx(t), js, cluster.Config{NodeID: id, PublicURL: "ws://" + id + ":8080/ws", TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close(ctx(t)) })
		return d
	}
	a, b := reconnecting("a"), reconnecting("b")
	a.Put(t.Context(), netcode.RoomInfo{ID: "ra", Game: "snake", MaxPlayers: 8})
	wait.For(t, "a's room on b", 5*time.Second, func() bool { return slices.Equal(ids(t, b, lobby.Filter{}), []string{"ra"}) })

	ns.Shutdown()
	ns.WaitForShutdown()
	wait.For(t, "the nodes to notice", 5*time.Second, func() bool { return a.Err() != nil })
	ns2, err := embednats.Start(t.TempDir(), port) // the same address, no data
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns2.Shutdown()
		ns2.WaitForShutdown()
	})
	b.Put(t.Context(), netcode.RoomInfo{ID: "rb", Game: "snake", MaxPlayers: 8})
	deadline := time.Now().Add(15 * time.Second)
	for !(slices.Equal(ids(t, a, lobby.Filter{}), []string{"ra", "rb"}) && slices.Equal(ids(t, b, lobby.Filter{}), []string{"ra", "rb"})) {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: a lists %v (err %v), b lists %v (err %v); want both rooms on both", ids(t, a, lobby.Filter{}), a.Err(), ids(t, b, lobby.Filter{}), b.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
	wait.For(t, "writes working again", 5*time.Second, func() bool { return a.Err() == nil && b.Err() == nil })
}

// TestRegistryContract: the Directory passes the contract every
// lobby.Registry must, as the in-process one does. Each case gets a
// directory of its own buckets, empty.
func TestRegistryContract(t *testing.T) {
	ns := natsServer(t)
	n := 0
	registrytest.Run(t, func(t *testing.T) lobby.Registry {
		n++
		_, js := connect(t, ns)
		d, err := cluster.Open(ctx(t), js, cluster.Config{
			NodeID: "a", PublicURL: "ws://a:8080/ws", TTL: ttl,
			RoomsBucket: fmt.Sprintf("rooms_%d", n), NodesBucket: fmt.Sprintf("nodes_%d", n),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close(ctx(t)) })
		return d
	})
}
