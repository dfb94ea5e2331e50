package netcode_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/netcode"
)

var update = flag.Bool("update", false, "rewrite the protocol's test vectors in docs/vectors")

// vectorsPath is where client authors find the golden frames (see
// docs/protocol.md, "Test vectors").
var vectorsPath = filepath.Join("..", "docs", "vectors", "messages.json")

// vector is one golden frame as docs/vectors/messages.json holds it.
type vector struct {
	Name      string `json:"name"`
	Direction string `json:"direction"` // "client" (client to server) or "server"
	Hex       string `json:"hex"`
	// Value is the frame decoded by a generic msgpack decoder, as JSON:
	// a bin is {"bin": "<hex>"}.
	Value any    `json:"value"`
	Note  string `json:"note"`
}

type vectorFile struct {
	Protocol string   `json:"protocol"`
	Note     string   `json:"note"`
	Messages []vector `json:"messages"`
}

// golden is one representative message of each type, and of each shape a
// type has. The bytes are a contract with every client: a change here
// breaks them.
type golden struct {
	name, direction, note string
	frame                 []byte
}

func goldenMessages(t testing.TB) []golden {
	t.Helper()
	hello, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", Game: "snake", LastEvent: 300, Spectator: true})
	if err != nil {
		t.Fatal(err)
	}
	helloKey, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ann", Key: "k3y-0f-ann-1234567890"})
	if err != nil {
		t.Fatal(err)
	}
	welcome, err := netcode.AppendWelcome(nil, &netcode.Welcome{
		Player: 3, Session: "r1.s3", Room: "r1", Game: "snake", TickRate: 20, Tick: 1000,
		Deltas: true, LastEvent: 0, PlayerID: 12,
		Players: []netcode.Member{{Player: 1, Name: "ada"}, {Player: 3, Name: "bob"}},
		Config:  msgpack.RawMessage{0x81, 0xa1, 'w', 0x20}, // {"w": 32}
	})
	if err != nil {
		t.Fatal(err)
	}
	state := []byte{0x93, 0x01, 0x02, 0x03} // the game's state: [1, 2, 3]
	return []golden{
		{"hello", "client", "a spectator's hello asking for a snake room, resuming from event 300 (keys left out are not sent)", hello},
		{"hello-key", "client", "a returning player's hello: quick play with a name and a player key", helloKey},
		{"input", "client", "input seq 300 with the game's payload [1, -1]", netcode.AppendInput(nil, 300, []byte{0x92, 0x01, 0xff})},
		{"pong", "client", "the answer to ping 70000", netcode.AppendPong(nil, 70000)},
		{"chat", "client", `chat text "gg wp"`, netcode.AppendChat(nil, "gg wp")},
		{"leave", "client", "leave the room for good", netcode.AppendLeave(nil)},
		{"request", "client", `request 7 of kind "colour" with data 120`, netcode.AppendRequest(nil, 7, "colour", []byte{0x78})},
		{"welcome", "server", "player 3 in room r1, stable player id 12 (every key is always sent)", welcome},
		{"event", "server", `event seq 5 at tick 1000, kind "joined", data [3, "bob"]`, netcode.AppendEvent(nil, 5, 1000, "joined", []byte{0x92, 0x03, 0xa3, 'b', 'o', 'b'})},
		{"ping", "server", "ping 2 at server time 1700000000000 ms, tick 1000, last round trip 42 ms", netcode.AppendPing(nil, 2, 1_700_000_000_000, 1000, 42)},
		{"error", "server", "input 300 was dropped over the rate limit", netcode.AppendError(nil, netcode.ErrCodeRateLimited, "slow down", 300)},
		{"snapshot", "server", "a full snapshot of tick 1000 (base 0) acknowledging input 300; the bin holds the state's msgpack, [1, 2, 3]", netcode.AppendSnapshot(nil, 1000, 0, 300, state)},
		{"snapshot-delta", "server", "a delta snapshot of tick 1001 against tick 1000; the bin holds the game's delta bytes", netcode.AppendSnapshot(nil, 1001, 1000, 300, []byte{0x01, 0x02})},
		{"reply", "server", "request 7 succeeded with data 120", netcode.AppendReply(nil, 7, "", "", []byte{0x78})},
		{"reply-error", "server", `request 8 failed: "unknown_request"`, netcode.AppendReply(nil, 8, netcode.ErrCodeUnknownRequest, `no request "dance"`, nil)},
		{"history", "server", "the room's chat history after the welcome, oldest first: ann (player 12) said \"hi\" at 1700000000000 ms, a guest said \"gg\" a second later", netcode.AppendHistory(nil, []netcode.HistoryLine{
			{Name: "ann", Text: "hi", At: 1_700_000_000_000, PlayerID: 12},
			{Name: "player-4", Text: "gg", At: 1_700_000_001_000, PlayerID: 0},
		})},
	}
}

// goldenFrames returns the golden messages by name.
func goldenFrames(t testing.TB) map[string][]byte {
	out := make(map[string][]byte)
	for _, g := range goldenMessages(t) {
		out[g.name] = g.frame
	}
	return out
}

// jsonValue turns a generically decoded msgpack value into what
// encoding/json writes the same way every time.
func jsonValue(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]string{"bin": spacedHex(v)}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

func spacedHex(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = hex.EncodeToString([]byte{c})
	}
	return strings.Join(parts, " ")
}

func buildVectors(t testing.TB) []byte {
	t.Helper()
	f := vectorFile{
		Protocol: netcode.Subprotocol,
		Note:     "Generated by go test -run TestVectors -update ./netcode/ from the server's own encoders; see docs/protocol.md.",
	}
	for _, g := range goldenMessages(t) {
		var v any
		if err := msgpack.Unmarshal(g.frame, &v); err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		f.Messages = append(f.Messages, vector{Name: g.name, Direction: g.direction, Hex: spacedHex(g.frame), Value: jsonValue(v), Note: g.note})
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// readVectors reads the committed vectors.
func readVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestVectors -update ./netcode/ to create it)", err)
	}
	var f vectorFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", vectorsPath, err)
	}
	return f.Messages
}

func vectorBytes(t testing.TB, v vector) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(v.Hex, " ", ""))
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	return b
}

// TestVectors keeps docs/vectors/messages.json what the server sends and
// reads: the same bytes, each decoding as the message it names.
func TestVectors(t *testing.T) {
	want := buildVectors(t)
	if *update {
		if err := os.WriteFile(vectorsPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestVectors -update ./netcode/ to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the server's encoders (a protocol change breaks clients: change docs/protocol.md and CHANGELOG.md with it, then run with -update)", vectorsPath)
	}
	for _, v := range readVectors(t) {
		m := decode(t, vectorBytes(t, v))
		if name, _, _ := strings.Cut(v.Name, "-"); m.Type.String() != name {
			t.Errorf("vector %s decodes as %s", v.Name, m.Type)
		}
	}
}

// TestVectorsDecode spells out what the vectors mean, field by field, as
// the protocol document does.
func TestVectorsDecode(t *testing.T) {
	frames := goldenFrames(t)
	for name, want := range map[string]string{
		"input":          "input seq=300 payload=92 01 ff",
		"pong":           "pong id=70000",
		"request":        `request id=7 kind="colour" payload=78`,
		"event":          `event seq=5 tick=1000 kind="joined" payload=92 03 a3 62 6f 62`,
		"ping":           "ping id=2 millis=1700000000000 tick=1000 rtt=42",
		"error":          `error code="rate_limited" text="slow down" seq=300`,
		"snapshot":       "snapshot tick=1000 base=0 ack=300 payload=93 01 02 03",
		"snapshot-delta": "snapshot tick=1001 base=1000 ack=300 payload=01 02",
		"reply":          `reply id=7 code="" text="" payload=78`,
		"reply-error":    `reply id=8 code="unknown_request" text="no request \"dance\"" payload=c0`,
		"history":        `history [{ann hi 1700000000000 12} {player-4 gg 1700000001000 0}]`,
		"hello-key":      `hello name="ann" key="k3y-0f-ann-1234567890"`,
		"welcome":        `welcome player=3 playerId=12`,
	} {
		m := decode(t, frames[name])
		var got string
		switch m.Type {
		case netcode.MsgInput:
			got = fmt.Sprintf("input seq=%d payload=%s", m.Seq, spacedHex(m.Payload))
		case netcode.MsgPong:
			got = fmt.Sprintf("pong id=%d", m.ID)
		case netcode.MsgRequest:
			got = fmt.Sprintf("request id=%d kind=%q payload=%s", m.ID, m.Kind, spacedHex(m.Payload))
		case netcode.MsgEvent:
			got = fmt.Sprintf("event seq=%d tick=%d kind=%q payload=%s", m.Seq, m.Tick, m.Kind, spacedHex(m.Payload))
		case netcode.MsgPing:
			got = fmt.Sprintf("ping id=%d millis=%d tick=%d rtt=%d", m.ID, m.Millis, m.Tick, m.RTTMillis)
		case netcode.MsgError:
			got = fmt.Sprintf("error code=%q text=%q seq=%d", m.Code, m.Text, m.Seq)
		case netcode.MsgSnapshot:
			got = fmt.Sprintf("snapshot tick=%d base=%d ack=%d payload=%s", m.Tick, m.Base, m.Ack, spacedHex(m.Payload))
		case netcode.MsgReply:
			got = fmt.Sprintf("reply id=%d code=%q text=%q payload=%s", m.ID, m.Code, m.Text, spacedHex(m.Payload))
		case netcode.MsgHistory:
			got = fmt.Sprintf("history %v", m.History)
		case netcode.MsgHello:
			got = fmt.Sprintf("hello name=%q key=%q", m.Hello.Name, m.Hello.Key)
		case netcode.MsgWelcome:
			got = fmt.Sprintf("welcome player=%d playerId=%d", m.Welcome.Player, m.Welcome.PlayerID)
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
