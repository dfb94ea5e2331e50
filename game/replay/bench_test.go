package replay_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/game/snake"
)

// BenchmarkRecorderTick is the recording cost of one arena tick with every
// one of 8 players turning, more than bots do.
func BenchmarkRecorderTick(b *testing.B) {
	rec, err := replay.NewRecorder(io.Discard, snake.Name, game.Setup{}, snake.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	payload := snake.EncodeTurn(snake.Up)
	tick := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		tick++
		for p := range game.PlayerID(8) {
			_ = rec.Input(p+1, payload)
		}
		if err := rec.EndTick(tick, uint64(tick)*0x9e3779b97f4a7c15); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay replays the golden-sized match: ns/op is per whole match.
func BenchmarkReplay(b *testing.B) {
	file, _ := record(b, 2024, 300)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := replay.Replay(bytes.NewReader(file), openSnake); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/300, "ns/tick")
}
