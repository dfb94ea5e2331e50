package replay_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/game/snake"
)

// colourMatch records 10 ticks in which player 1 chooses hue 100 before
// tick 4 and a refused request (not recorded) is made before tick 5.
func colourMatch(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	r, err := newRoom(&buf, 7)
	if err != nil {
		t.Fatal(err)
	}
	r.join(1, "ada")
	for tick := 1; tick <= 10; tick++ {
		switch tick {
		case 4:
			r.request(1, snake.RequestColour, []byte{100})
		case 5:
			r.request(1, snake.RequestColour, []byte{0xcd, 0x01, 0x90}) // 400: refused
		}
		if err := r.step(); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.rec.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReplayRequests: a request that changed the state is replayed, and a
// recording whose request differs diverges at its tick.
func TestReplayRequests(t *testing.T) {
	t.Parallel()
	file := colourMatch(t)
	if res, err := replay.Replay(bytes.NewReader(file), openSnake); err != nil || res != (replay.Result{Ticks: 10}) {
		t.Fatalf("untampered: Result = %+v, %v", res, err)
	}
	// The request call: [3, 1, "colour", bin(1 byte: 100)].
	call := append([]byte{0x94, 0x03, 0x01, 0xa6}, "colour"...)
	at := bytes.Index(file, append(call, 0xc4, 0x01, 100))
	if at < 0 || bytes.Count(file, call) != 1 {
		t.Fatalf("one colour request expected in % x", file)
	}
	at += len(call) + 2
	for _, tt := range []struct {
		name   string
		hue    byte
		reason string
	}{
		{"another hue", 101, "state hash"},
		{"a hue the game refuses", 0xc0, `request "colour" of player 1 refused`},
	} {
		bad := bytes.Clone(file)
		bad[at] = tt.hue
		res, err := replay.Replay(bytes.NewReader(bad), openSnake)
		if err != nil {
			t.Fatalf("%s: Replay: %v", tt.name, err)
		}
		if res.FirstMismatch != 4 || !strings.HasPrefix(res.Reason, tt.reason) {
			t.Errorf("%s: Result = %+v, want a mismatch on tick 4 (%s)", tt.name, res, tt.reason)
		}
	}
}
