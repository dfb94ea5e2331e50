package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/bench/report"
)

// TestBenchTiny runs the real binary: tickroom bench starts tickroom serve
// as a child, runs one step of two arena rooms for a 2 s window, and writes
// the JSON and the plot. It checks that the figures are there, not how fast
// the machine is.
func TestBenchTiny(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	out, plot := filepath.Join(dir, "tiny.json"), filepath.Join(dir, "tiny.svg")
	cmd := exec.Command(bin, "bench", "--scenario", "arena", "--steps", "2", "--warmup", "500ms", "--window", "2s",
		"--out", out, "--plot", plot)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tickroom bench: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	r, err := report.ReadJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 1 {
		t.Fatalf("%d steps, want 1", len(r.Steps))
	}
	s := r.Steps[0]
	if s.Bots != 16 || s.Connections != 16 || s.SnapshotsDelivered == 0 || s.RoomSteps == 0 {
		t.Errorf("bots %d, connections %g, snapshots %d, room steps %g", s.Bots, s.Connections, s.SnapshotsDelivered, s.RoomSteps)
	}
	if s.ReliableLost != 0 || s.Disconnects != 0 || s.JoinFailed != 0 {
		t.Errorf("lost %d, disconnects %d, failed joins %d", s.ReliableLost, s.Disconnects, s.JoinFailed)
	}
	// Allocations per tick may round to 0 in a 2 s window of 2 rooms once
	// the scrapes' own allocations are taken out; they may not be negative.
	if s.AllocsPerTick < 0 || math.IsNaN(s.AllocsPerTick) || s.HeapStackBytes <= 0 || s.RSSBytes <= 0 || s.BytesPerClientPerSec <= 0 {
		t.Errorf("allocs/tick %g, heap+stack %g, rss %g, bytes/client/s %g: want them all",
			s.AllocsPerTick, s.HeapStackBytes, s.RSSBytes, s.BytesPerClientPerSec)
	}
	if s.Floor == nil || s.Floor.Writes == 0 || s.FloorRatio <= 0 || s.WritesPerClientPerSec <= 0 {
		t.Errorf("floor %+v, ratio %g, write syscalls per client per second %g: want them measured", s.Floor, s.FloorRatio, s.WritesPerClientPerSec)
	}
	if !strings.Contains(r.Settings.Server, "serve") || !strings.Contains(r.Settings.Server, "--max-conns-per-ip 0") {
		t.Errorf("server command %q", r.Settings.Server)
	}
	if !strings.HasPrefix(r.Command, "tickroom bench") {
		t.Errorf("command %q", r.Command)
	}
	if fi, err := os.Stat(plot); err != nil || fi.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
	for _, want := range []string{"rooms", "capacity", "figures: " + out} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--scenario", "tiny"},
		{"--steps", "5,1"},
		{"--window", "0s"},
	} {
		cmd := newRootCmd()
		cmd.SetArgs(append([]string{"bench"}, args...))
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		if err := cmd.ExecuteContext(context.Background()); err == nil {
			t.Errorf("bench %v succeeded", args)
		}
	}
}
