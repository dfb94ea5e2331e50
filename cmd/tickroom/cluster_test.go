package main

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/netcode"
)

// natsServer starts an embedded NATS server with JetStream on a free
// loopback port, the way an operator's NATS would be.
func natsServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}

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
