package netcode_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// BenchmarkConnWrite is the writer's cost per snapshot on a live loopback
// connection whose client reads everything: publish, wake, header, write.
// The client's reading is in the figures too (allocs included).
func BenchmarkConnWrite(b *testing.B) {
	conns := make(chan *netcode.Conn, 1)
	ran := make(chan struct{})
	writers := netcode.NewWriters(1)
	defer writers.Close()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sock, err := netcode.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{netcode.Subprotocol}})
		if err != nil {
			return
		}
		c := netcode.NewConn(sock, netcode.Config{}, writers)
		conns <- c
		c.Run(context.Background(), nopHandler{})
		close(ran)
	}))
	defer hs.Close()
	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(hs.URL, "http"), &websocket.DialOptions{Subprotocols: []string{netcode.Subprotocol}})
	if err != nil {
		b.Fatal(err)
	}
	c := <-conns
	payload := append([]byte{0xc5, 0x02, 0x00}, make([]byte, 512)...)
	got := make(chan int)
	go func() {
		n := 0
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				got <- n
				return
			}
			n++
		}
	}()
	b.ReportAllocs()
	var tick uint32
	for b.Loop() {
		tick++
		c.PublishSnapshot(&netcode.Snapshot{Tick: tick, ID: uint64(tick), Payload: payload}, tick)
		for c.Stats().SnapshotsWritten+c.Stats().SnapshotsConflated < uint64(tick) {
		}
	}
	b.StopTimer()
	c.Close(websocket.StatusNormalClosure, "", false)
	<-ran
	ws.CloseNow()
	<-got
}

type nopHandler struct{}

func (nopHandler) HandleMessage(*netcode.Conn, *netcode.Message) {}
