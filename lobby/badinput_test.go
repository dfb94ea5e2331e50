package lobby_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// badInputConfig keeps limits small so that each case trips quickly.
var badInputConfig = lobby.Config{
	Room: lobby.RoomConfig{TickRate: 50},
	Conn: netcode.Config{
		ReadLimit:      1024,
		InputRate:      20,
		InputBurst:     5,
		FloodLimit:     50,
		MaxBadMessages: 5,
		HelloTimeout:   300 * time.Millisecond,
	},
}

// expectError reads until an error message arrives and checks its code.
func expectError(t *testing.T, c *client.Client, code string) {
	t.Helper()
	expectErrorSeq(t, c, code, -1)
}

// expectErrorSeq is expectError that also checks the error's seq, the
// input it is about (0: none), unless seq is -1.
func expectErrorSeq(t *testing.T, c *client.Client, code string, seq int64) {
	t.Helper()
	m := next(t, c, netcode.MsgError)
	if m.Code != code || (seq >= 0 && int64(m.Seq) != seq) {
		t.Fatalf("error code %q seq %d (%s), want %q seq %d", m.Code, m.Seq, m.Text, code, seq)
	}
}

// expectClose reads until the connection closes and checks the code.
func expectClose(t *testing.T, c *client.Client, want websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		_, err := c.Next(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != want {
			t.Fatalf("closed with %v (%v), want %v", got, err, want)
		}
		return
	}
}

// TestBadInput sends each kind of bad input from one client while another
// plays in the same room: the bad client gets an error and/or a close code,
// and the room and the other client carry on.
func TestBadInput(t *testing.T) {
	t.Parallel()
	bin := func(b ...byte) []byte { return b }
	for _, tc := range []struct {
		name string
		// send runs against a joined client.
		send      func(ctx context.Context, c *client.Client) error
		wantError string
		// wantSeq is the error's seq: the input it is about, 0 for none,
		// -1 for any.
		wantSeq   int64
		wantClose websocket.StatusCode
	}{
		{
			name: "not msgpack",
			send: func(ctx context.Context, c *client.Client) error {
				return c.SendRaw(ctx, websocket.MessageBinary, bin(0xc1, 0xff))
			},
			wantError: netcode.ErrCodeBadMessage,
		},
		{
			name: "wrong shape",
			send: func(ctx context.Context, c *client.Client) error {
				return c.SendRaw(ctx, websocket.MessageBinary, bin(0x93, 0x02, 0xa1, 'x', 0xc0)) // input with a string seq
			},
			wantError: netcode.ErrCodeBadMessage,
		},
		{
			name: "unknown type",
			send: func(ctx context.Context, c *client.Client) error {
				return c.SendRaw(ctx, websocket.MessageBinary, bin(0x91, 0x63))
			},
			wantError: netcode.ErrCodeUnknownType,
		},
		{
			name: "text frame",
			send: func(ctx context.Context, c *client.Client) error {
				return c.SendRaw(ctx, websocket.MessageText, []byte("hello?"))
			},
			wantError: netcode.ErrCodeBadMessage,
		},
		{
			name: "bad game input",
			send: func(ctx context.Context, c *client.Client) error {
				_, err := c.SendInput(ctx, []byte{0xa3, 'a', 'b', 'c'})
				return err
			},
			wantError: netcode.ErrCodeBadInput,
			wantSeq:   1,
		},
		{
			name: "too many bad messages",
			send: func(ctx context.Context, c *client.Client) error {
				for range 5 {
					if err := c.SendRaw(ctx, websocket.MessageBinary, bin(0xc1)); err != nil {
						return err
					}
				}
				return nil
			},
			wantError: netcode.ErrCodeBadMessage,
			wantClose: netcode.CloseBadMessage,
		},
		{
			name: "over the read limit",
			send: func(ctx context.Context, c *client.Client) error {
				return c.SendRaw(ctx, websocket.MessageBinary, bytes.Repeat([]byte{0xc0}, 4096))
			},
			wantClose: websocket.StatusMessageTooBig,
		},
		{
			name: "input flood",
			send: func(ctx context.Context, c *client.Client) error {
				for range 200 {
					if _, err := c.SendInput(ctx, testgame.Input(1)); err != nil {
						return nil // the server may close mid-flood
					}
				}
				return nil
			},
			wantError: netcode.ErrCodeRateLimited,
			wantSeq:   -1,
			wantClose: netcode.CloseFlood,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			typ, _ := testgame.Type("count", testgame.Options{})
			e := newEnv(t, badInputConfig, typ)
			good := e.dial(netcode.Hello{Name: "good"})
			bad := e.dial(netcode.Hello{Name: "bad", Room: good.Welcome().Room})
			if err := tc.send(t.Context(), bad); err != nil {
				t.Fatalf("send: %v", err)
			}
			if tc.wantError != "" {
				expectErrorSeq(t, bad, tc.wantError, tc.wantSeq)
			}
			if tc.wantClose != 0 {
				expectClose(t, bad, tc.wantClose)
			}
			// The room and the good client carry on.
			first := next(t, good, netcode.MsgSnapshot).Tick
			for range 10 {
				next(t, good, netcode.MsgSnapshot)
			}
			seq, err := good.SendInput(t.Context(), testgame.Input(1))
			if err != nil {
				t.Fatal(err)
			}
			for {
				if s := next(t, good, netcode.MsgSnapshot); s.Ack >= seq {
					break
				}
			}
			if last := e.srv.Rooms()[0].Stats().Tick; last < first+10 {
				t.Fatalf("room at tick %d, want past %d", last, first+10)
			}
		})
	}
}

// TestHandshakeRejections covers clients that never get into a room.
func TestHandshakeRejections(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, badInputConfig, typ)
	dialRaw := func(t *testing.T, proto string) *websocket.Conn {
		t.Helper()
		opts := &websocket.DialOptions{}
		if proto != "" {
			opts.Subprotocols = []string{proto}
		}
		ws, _, err := websocket.Dial(t.Context(), e.url, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		return ws
	}
	readClose := func(t *testing.T, ws *websocket.Conn, want websocket.StatusCode, reason string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, _, err := ws.Read(ctx)
		if got := websocket.CloseStatus(err); got != want {
			t.Fatalf("closed with %v (%v), want %v", got, err, want)
		}
		if !strings.Contains(err.Error(), reason) {
			t.Fatalf("close reason in %q, want it to mention %q", err, reason)
		}
	}
	t.Run("wrong protocol version", func(t *testing.T) {
		t.Parallel()
		readClose(t, dialRaw(t, "tickroom.v0"), netcode.CloseBadVersion, netcode.Subprotocol)
	})
	t.Run("no protocol version", func(t *testing.T) {
		t.Parallel()
		readClose(t, dialRaw(t, ""), netcode.CloseBadVersion, netcode.Subprotocol)
	})
	t.Run("never says hello", func(t *testing.T) {
		t.Parallel()
		readClose(t, dialRaw(t, netcode.Subprotocol), netcode.CloseHelloTimeout, "no hello")
	})
	t.Run("first message not hello", func(t *testing.T) {
		t.Parallel()
		ws := dialRaw(t, netcode.Subprotocol)
		if err := ws.Write(t.Context(), websocket.MessageBinary, netcode.AppendInput(nil, 1, nil)); err != nil {
			t.Fatal(err)
		}
		readClose(t, ws, netcode.CloseBadHello, "hello")
	})
	t.Run("unknown room", func(t *testing.T) {
		t.Parallel()
		_, err := client.Dial(t.Context(), e.url, client.Options{Hello: netcode.Hello{Room: "nosuchroom"}})
		if got := websocket.CloseStatus(err); got != netcode.CloseRoomNotFound {
			t.Fatalf("closed with %v (%v), want %v", got, err, netcode.CloseRoomNotFound)
		}
	})
	t.Run("unknown game", func(t *testing.T) {
		t.Parallel()
		_, err := client.Dial(t.Context(), e.url, client.Options{Hello: netcode.Hello{Game: "chess"}})
		if got := websocket.CloseStatus(err); got != netcode.CloseRoomNotFound {
			t.Fatalf("closed with %v (%v), want %v", got, err, netcode.CloseRoomNotFound)
		}
	})
}

// TestHeartbeatDropsSilentClient: a client that stops answering pings is
// closed once its last pong is older than the pong timeout, which the
// heartbeat checks every ping interval.
func TestHeartbeatDropsSilentClient(t *testing.T) {
	t.Parallel()
	const interval, timeout = 50 * time.Millisecond, 300 * time.Millisecond
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Conn: netcode.Config{PingInterval: interval, PongTimeout: timeout}}, typ)
	live := e.dial(netcode.Hello{})
	start := time.Now() // before the server starts counting the silence
	silent := e.dial(netcode.Hello{Room: live.Welcome().Room})
	go func() { // the live client answers pings as it reads
		for {
			if _, err := live.Next(context.Background()); err != nil {
				return
			}
		}
	}()
	room := e.srv.Rooms()[0]
	var m lobby.MemberInfo
	wait.For(t, "the silent client to be dropped", 10*time.Second, func() bool {
		m, _ = member(t, room, silent.Welcome().Player)
		return m.CloseCode != 0
	})
	took := time.Since(start)
	t.Logf("dropped after %v (timeout %v, interval %v): %s", took, timeout, interval, m.CloseReason)
	if got, want := m.CloseCode, int(netcode.ClosePingTimeout); got != want {
		t.Fatalf("close code %d (%s), want %d", got, m.CloseReason, want)
	}
	if took < timeout {
		t.Fatalf("dropped after %v, before the %v timeout", took, timeout)
	}
	expectClose(t, silent, netcode.ClosePingTimeout)
	// The live client answered every ping and is still there.
	time.Sleep(2 * timeout)
	if lm, ok := member(t, room, live.Welcome().Player); !ok || lm.CloseCode != 0 {
		t.Fatalf("live client dropped too (%+v)", lm)
	}
}
