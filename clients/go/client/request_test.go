package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// dial starts a server whose rooms tick at rate and joins it.
func dial(t *testing.T, rate int) *client.Client {
	t.Helper()
	typ, _ := testgame.Type("count", testgame.Options{})
	srv := lobby.NewServer(lobby.Config{Room: lobby.RoomConfig{TickRate: rate}}, nil)
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readLoop calls Next until the connection ends, passing on the replies
// that no Request waited for.
func readLoop(t *testing.T, c *client.Client) <-chan netcode.Message {
	out := make(chan netcode.Message, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := c.Next(context.Background())
			if err != nil {
				return
			}
			if m.Type == netcode.MsgReply {
				out <- m
			}
		}
	}()
	t.Cleanup(func() {
		c.CloseNow()
		<-done
	})
	return out
}

func TestRequest(t *testing.T) {
	t.Parallel()
	c := dial(t, 20)
	readLoop(t, c)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if b, err := c.Request(ctx, lobby.RequestRoomInfo, nil); err != nil || len(b) == 0 {
		t.Fatalf("room.info: % x, %v", b, err)
	}
	_, err := c.Request(ctx, "dance", nil)
	var re *client.RequestError
	if !errors.As(err, &re) || re.Code != netcode.ErrCodeUnknownRequest || re.Message == "" {
		t.Errorf("unknown kind: got %v, want a RequestError %q with a message", err, netcode.ErrCodeUnknownRequest)
	}
}

// TestRequestTimeout: Request gives up with its context; the reply that
// comes later is Next's.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	c := dial(t, 1) // requests wait up to a second for the room's tick
	late := readLoop(t, c)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Request(ctx, lobby.RequestRoomInfo, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v after %v, want the context's deadline", err, time.Since(start))
	}
	select {
	case m := <-late:
		if m.ID != 1 || m.Code != "" {
			t.Errorf("late reply: id %d code %q, want request 1's success", m.ID, m.Code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the late reply never came through Next")
	}
}

// TestRequestConnectionEnds: a Request in flight when the connection ends
// returns at once with the close, not at its context's deadline.
func TestRequestConnectionEnds(t *testing.T) {
	t.Parallel()
	c := dial(t, 1) // the reply would wait up to a second for the tick
	readLoop(t, c)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Request(t.Context(), lobby.RequestRoomInfo, nil)
		errc <- err
	}()
	// The request is sent and waits: the close must end the wait, not the
	// send.
	for deadline := time.Now().Add(5 * time.Second); c.Waiting() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never started waiting")
		}
	}
	time.Sleep(20 * time.Millisecond) // past the send, within the second the reply takes
	c.CloseNow()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("Request succeeded on a closed connection")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Request still waiting after the connection ended")
	}
}
