package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/embednats"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/netcode"
)

// natsServer starts an embedded NATS server with JetStream on a free
// loopback port, the way an operator's NATS would be.
func natsServer(t *testing.T) *server.Server { return embednats.ForTest(t) }

// freeAddr returns a loopback address with a port nobody listens on: a
// node must know its public URL before it listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeClusterFlagsRefused(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nats", "nats://127.0.0.1:1", "--public-url", "ws://127.0.0.1:1/ws", "--nats-connect-timeout", "2s"}, "--nats nats://127.0.0.1:1"},
		{[]string{"--nats", "nats://127.0.0.1:1"}, "--public-url"},
	} {
		out, err := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...).CombinedOutput()
		if _, ok := err.(*exec.ExitError); !ok || !strings.Contains(string(out), tc.want) {
			t.Errorf("serve %v: %v, output %q; want a non-zero exit naming %s", tc.args, err, out, tc.want)
		}
	}
}

// TestServeCluster: two tickroom serve processes on one NATS list each
// other's rooms and send a hello for a room to its node; a node killed
// with SIGKILL leaves the other's listing within --nats-ttl.
func TestServeCluster(t *testing.T) {
	bin := buildBinary(t)
	ns := natsServer(t)
	node := func(id string) (*proc, string) {
		addr := freeAddr(t)
		url := "ws://" + addr + "/ws"
		p := start(t, bin, nil, "--addr", addr, "--nats", ns.ClientURL(), "--public-url", url, "--node-id", id, "--nats-ttl", "2s")
		return p, url
	}
	a, aURL := node("a")
	_, bURL := node("b")
	if !strings.Contains(a.log(), "cluster node on SQLite") || !strings.Contains(a.log(), "--database postgres://") {
		t.Errorf("a cluster node on SQLite does not warn that it shares nothing through it:\n%s", a.log())
	}
	apiB, err := client.NewAPI(bURL, client.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, aURL, client.Options{Hello: netcode.Hello{Name: "ada"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	room := c.Welcome().Room
	wait.For(t, "a's room listed by b", 10*time.Second, func() bool {
		page, err := apiB.ListRooms(ctx, client.RoomFilter{})
		return err == nil && len(page.Rooms) == 1 && page.Rooms[0].ID == room && page.Rooms[0].Node == aURL
	})
	other, err := client.Dial(ctx, bURL, client.Options{Hello: netcode.Hello{Room: room}})
	if err != nil {
		t.Fatal(err)
	}
	other.CloseNow()
	if other.URL() != aURL {
		t.Errorf("a hello to b for a's room ended on %s, want %s", other.URL(), aURL)
	}
	resp, err := http.Get("http://" + strings.TrimSuffix(strings.TrimPrefix(bURL, "ws://"), "/ws") + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("b's /readyz: %d, want 200 with NATS up", resp.StatusCode)
	}
	a.cmd.Process.Kill()
	killed := time.Now()
	wait.For(t, "the killed node's room gone from b's listing", 10*time.Second, func() bool {
		page, err := apiB.ListRooms(ctx, client.RoomFilter{})
		return err == nil && len(page.Rooms) == 0
	})
	t.Logf("a killed node's room left the other's listing %v after SIGKILL (--nats-ttl 2s)", time.Since(killed))
}

// TestServeClusterSurvivesAKilledNode: three tickroom serve processes on
// one NATS, bots joining through matchmaking on every node; one node is
// killed with SIGKILL while they play: its bots lose their connections,
// and the others' bots carry on, without a reliable event lost or an
// unplanned disconnect.
func TestServeClusterSurvivesAKilledNode(t *testing.T) {
	bin := buildBinary(t)
	ns := natsServer(t)
	var procs []*proc
	var urls []string
	for _, id := range []string{"a", "b", "c"} {
		addr := freeAddr(t)
		url := "ws://" + addr + "/ws"
		procs = append(procs, start(t, bin, nil, "--addr", addr, "--nats", ns.ClientURL(), "--public-url", url, "--node-id", id, "--nats-ttl", "2s",
			"--max-conns-per-ip", "0", "--rooms-per-ip", "0", "--room-create-rate", "0", "--reservations-per-ip", "0", "--lookup-fail-rate", "0"))
		urls = append(urls, url)
	}
	outs := make([]bytes.Buffer, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var errOut bytes.Buffer
			cfg := botsConfig{url: url, bots: 8, duration: 5 * time.Second, roomsOf: 4, seed: uint64(i + 1), join: "matchmake", joinRate: 100}
			errs[i] = runBots(context.Background(), cfg, &outs[i], &errOut)
		}()
	}
	time.Sleep(2 * time.Second)
	procs[2].cmd.Process.Kill()
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("bots on node %d: %v", i, errs[i])
		}
		for _, want := range []string{"8 started, 8 joined, 0 failed", "0 lost", "disconnects: 0 unplanned"} {
			if !strings.Contains(outs[i].String(), want) {
				t.Errorf("bots on surviving node %d: summary lacks %q:\n%s", i, want, outs[i].String())
			}
		}
	}
	if strings.Contains(outs[2].String(), "disconnects: 0 unplanned") {
		t.Errorf("bots on the killed node saw no disconnect:\n%s", outs[2].String())
	}
	t.Logf("bots on the killed node:\n%s", outs[2].String())
}
