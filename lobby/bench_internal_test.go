package lobby

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/netcode"
)

// benchConns opens n real loopback WebSocket connections and returns the
// server ends as netcode.Conns that are not running (nothing reads what
// their clients send): publishing to them exercises the room's side of the
// broadcast (slot, shard queue) and the writer shards' writes, which the
// clients' kernel buffers absorb.
func benchConns(b *testing.B, n int) []*netcode.Conn {
	b.Helper()
	accepted := make(chan *netcode.Socket)
	release := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sock, err := netcode.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{netcode.Subprotocol}})
		if err != nil {
			return
		}
		accepted <- sock
		<-release
	}))
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	var clients []*websocket.Conn
	writers := netcode.NewWriters(0)
	conns := make([]*netcode.Conn, 0, n)
	for range n {
		c, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{Subprotocols: []string{netcode.Subprotocol}})
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		conns = append(conns, netcode.NewConn(<-accepted, netcode.Config{ReliableQueue: 1 << 20}, writers))
	}
	b.Cleanup(func() {
		for _, c := range clients {
			c.CloseNow()
		}
		for _, c := range conns {
			c.Reject(websocket.StatusGoingAway, "")
		}
		close(release)
		hs.Close()
		writers.Close()
	})
	return conns
}

// benchRoom is a room with members on conns, stepped by the benchmark
// instead of its goroutine.
func benchRoom(b *testing.B, typ game.Type, players int, conns []*netcode.Conn) *Room {
	b.Helper()
	r, err := newRoom("bench", typ, RoomConfig{TickRate: 20, MaxPlayers: players, Seed: 1}, systemClock{},
		slog.New(slog.NewTextHandler(io.Discard, nil)), NewServer(Config{}, slog.New(slog.NewTextHandler(io.Discard, nil))).met, func(*Room) {})
	if err != nil {
		b.Fatal(err)
	}
	for i, c := range conns {
		m := &member{room: r, player: game.PlayerID(i + 1), spectator: i >= players, events: eventLog{limit: DefaultEventLog}}
		m.conn.Store(c)
		if !m.spectator {
			if err := r.sim.Join(m.player, "bot"); err != nil {
				b.Fatal(err)
			}
		}
		r.members = append(r.members, m)
	}
	return r
}

// BenchmarkPublish is one tick of a room (step, one encode, publish to
// every member) with N members. allocs/op must not grow with N.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			typ, _ := testgame.Type("bench", testgame.Options{Padding: 600})
			r := benchRoom(b, typ, 8, benchConns(b, n))
			b.ReportAllocs()
			for b.Loop() {
				r.step()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/conn")
		})
	}
}

// BenchmarkRoomTick is one tick of a Snake arena room (8 players, 64x64, 16
// food): inputs, step, one encode, publish to the 8 members.
func BenchmarkRoomTick(b *testing.B) {
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	r := benchRoom(b, typ, 8, benchConns(b, 8))
	for range 40 { // let the snakes spawn and move
		r.step()
	}
	b.ReportAllocs()
	for b.Loop() {
		r.step()
	}
	b.ReportMetric(float64(r.snapSize), "bytes/snapshot")
}
