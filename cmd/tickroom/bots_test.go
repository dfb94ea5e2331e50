package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestBotsCommand runs a few bots in this process against the real
// server for a second and reads their summary.
func TestBotsCommand(t *testing.T) {
	bin := buildBinary(t)
	_, addr := startServer(t, bin, "--max-conns-per-ip", "0")
	var out, errOut bytes.Buffer
	cfg := botsConfig{url: "ws://" + addr + "/ws", bots: 8, duration: 1500 * time.Millisecond, roomsOf: 4,
		seed: 1, join: "matchmake", joinRate: 100}
	if err := runBots(context.Background(), cfg, &out, &errOut); err != nil {
		t.Fatalf("bots: %v\n%s", err, errOut.String())
	}
	for _, want := range []string{"8 started, 8 joined, 0 failed", "0 lost", "disconnects: 0 unplanned", "snapshots:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if err := runBots(context.Background(), botsConfig{url: "ws://" + addr + "/ws"}, &out, &errOut); err == nil {
		t.Error("bots without --bots succeeded")
	}
}
