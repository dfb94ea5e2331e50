package cluster_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// BenchmarkMatchmakeJoin is the latency of POST /api/matchmake (join):
// on a lone server, and through another node of a cluster, which asks
// the room's node over NATS (ns/op is one request, end to end over
// loopback HTTP):
//
//	go test -run '^$' -bench MatchmakeJoin -benchtime 300x -count 5 ./cluster/
func BenchmarkMatchmakeJoin(b *testing.B) {
	b.Run("lone", func(b *testing.B) {
		typ, _ := testgame.Type("count", testgame.Options{})
		srv := lobby.NewServer(lobby.Config{Limits: noAddrLimits}, nil)
		srv.Register(typ)
		hs := httptest.NewServer(srv)
		b.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Shutdown(c)
			hs.Close()
		})
		api, _ := client.NewAPI(hs.URL, client.APIOptions{})
		rooms := make([]string, b.N)
		for i := range rooms {
			r, err := api.CreateRoom(ctx(b), netcode.CreateRequest{MaxPlayers: 1})
			if err != nil {
				b.Fatal(err)
			}
			rooms[i] = r.ID
		}
		b.ResetTimer()
		took := make([]time.Duration, b.N)
		for i := range b.N {
			began := time.Now()
			if _, err := api.Matchmake(ctx(b), netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: rooms[i]}); err != nil {
				b.Fatal(err)
			}
			took[i] = time.Since(began)
		}
		reportPercentiles(b, took)
	})
	b.Run("through-another-node", func(b *testing.B) {
		ns := natsServer(b)
		a, other := startNode(b, ns, "a"), startNode(b, ns, "b")
		rooms := make([]string, b.N)
		for i := range rooms {
			r, err := a.api.CreateRoom(ctx(b), netcode.CreateRequest{MaxPlayers: 1})
			if err != nil {
				b.Fatal(err)
			}
			rooms[i] = r.ID
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, err := other.dir.Get(b.Context(), rooms[b.N-1]); err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("a's rooms never reached b's directory")
			}
		}
		b.ResetTimer()
		took := make([]time.Duration, b.N)
		for i := range b.N {
			began := time.Now()
			if _, err := other.api.Matchmake(ctx(b), netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: rooms[i]}); err != nil {
				b.Fatal(err)
			}
			took[i] = time.Since(began)
		}
		reportPercentiles(b, took)
	})
}

// reportPercentiles reports the median and 99th percentile of the
// requests' latencies, in µs, next to the mean (ns/op).
func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	at := func(p int) float64 { return float64(took[min(len(took)-1, len(took)*p/100)]) / 1e3 }
	b.ReportMetric(at(50), "p50-µs")
	b.ReportMetric(at(99), "p99-µs")
}

// BenchmarkRoomAppearsElsewhere is the time from a room's creation on one
// node to its entry in another node's directory (ns/op), through the
// writer, JetStream and the other node's watch:
//
//	go test -run '^$' -bench RoomAppears -benchtime 50x -count 5 ./cluster/
func BenchmarkRoomAppearsElsewhere(b *testing.B) {
	ns := natsServer(b)
	a, other := startNode(b, ns, "a"), startNode(b, ns, "b")
	for range b.N {
		r, err := a.api.CreateRoom(ctx(b), netcode.CreateRequest{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := other.dir.Get(b.Context(), r.ID); err == nil {
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}
