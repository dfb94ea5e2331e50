package netcode_test

import (
	"bytes"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// BenchmarkAppendSnapshotHeader is the writer's per-recipient work: a
// header in front of a payload the room encoded once.
func BenchmarkAppendSnapshotHeader(b *testing.B) {
	payload := mustMarshal(bytes.Repeat([]byte{0x5a}, 800))
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		buf = netcode.AppendSnapshot(buf[:0], 123456, 123450, 98765, payload)
	}
	b.ReportMetric(float64(len(buf)), "bytes/snapshot")
}

// BenchmarkDecodeInput is the reader's per-message work for the commonest
// client message.
func BenchmarkDecodeInput(b *testing.B) {
	frame := netcode.AppendInput(nil, 4242, mustMarshal([]any{1, -1, true}))
	d := netcode.NewDecoder()
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSnapshot is the Go client's per-tick work.
func BenchmarkDecodeSnapshot(b *testing.B) {
	frame := netcode.AppendSnapshot(nil, 123456, 123450, 98765, mustMarshal(bytes.Repeat([]byte{0x5a}, 800)))
	d := netcode.NewDecoder()
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := d.Decode(frame); err != nil {
			b.Fatal(err)
		}
	}
}
