package netcode_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/netcode"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenFrames builds one representative message of each type. The bytes
// are a contract with every client: a change here breaks them.
func goldenFrames(t testing.TB) map[string][]byte {
	t.Helper()
	hello, err := netcode.AppendHello(nil, &netcode.Hello{Name: "ada", Game: "snake", LastEvent: 300, Spectator: true})
	if err != nil {
		t.Fatal(err)
	}
	welcome, err := netcode.AppendWelcome(nil, &netcode.Welcome{
		Player: 3, Session: "s3", Room: "r1", Game: "snake", TickRate: 20, Tick: 1000,
		Players: []netcode.Member{{Player: 1, Name: "ada"}, {Player: 3, Name: "bob"}},
		Config:  msgpack.RawMessage{0x81, 0xa1, 'w', 0x20}, // {"w": 32}
	})
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"hello":    hello,
		"input":    netcode.AppendInput(nil, 300, []byte{0x92, 0x01, 0xff}), // [1, -1]
		"pong":     netcode.AppendPong(nil, 70000),
		"chat":     netcode.AppendChat(nil, "gg wp"),
		"leave":    netcode.AppendLeave(nil),
		"welcome":  welcome,
		"event":    netcode.AppendEvent(nil, 5, 1000, "join", []byte{0x92, 0x03, 0xa3, 'b', 'o', 'b'}), // [3, "bob"]
		"ping":     netcode.AppendPing(nil, 2, 1_700_000_000_000, 1000, 42),
		"error":    netcode.AppendError(nil, netcode.ErrCodeRateLimited, "slow down"),
		"snapshot": netcode.AppendSnapshot(nil, 1000, 998, 300, []byte{0xc4, 0x03, 0x01, 0x02, 0x03}), // bin [1 2 3]
	}
}

func goldenPath(name string) string {
	return filepath.Join("testdata", "golden", name+".hex")
}

// readGolden reads a hex file, ignoring whitespace.
func readGolden(t testing.TB, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update ./netcode/ to create it)", err)
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// formatGolden writes 16 bytes per line.
func formatGolden(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		n := min(16, len(b))
		out.WriteString(hex.EncodeToString(b[:n]))
		out.WriteByte('\n')
		b = b[n:]
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	frames := goldenFrames(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range frames {
			if !yield(name) {
				return
			}
		}
	})
	for _, name := range names {
		frame := frames[name]
		t.Run(name, func(t *testing.T) {
			path := goldenPath(name)
			if *update {
				if err := os.WriteFile(path, formatGolden(frame), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readGolden(t, path)
			if !bytes.Equal(frame, want) {
				t.Errorf("wire bytes changed (a protocol change breaks clients; run with -update only if intended):\n got % x\nwant % x", frame, want)
			}
			m := decode(t, want)
			if m.Type.String() != name {
				t.Errorf("golden %s decodes as %s", name, m.Type)
			}
		})
	}
}

// TestGoldenFilesHaveFrames catches a golden file whose message was removed
// from goldenFrames, which TestGolden would no longer check.
func TestGoldenFilesHaveFrames(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.hex"))
	if err != nil {
		t.Fatal(err)
	}
	frames := goldenFrames(t)
	if len(paths) != len(frames) {
		t.Errorf("got %d golden files, want %d", len(paths), len(frames))
	}
	for _, p := range paths {
		if _, ok := frames[strings.TrimSuffix(filepath.Base(p), ".hex")]; !ok {
			t.Errorf("%s has no frame in goldenFrames", p)
		}
	}
}
