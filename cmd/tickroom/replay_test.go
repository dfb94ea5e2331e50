package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/netcode"
)

// TestRecordAndReplay records a live match through the real binary and
// replays it; a tampered copy reports the tick that differs and fails.
func TestRecordAndReplay(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	srv, addr := startServer(t, bin, "--record", dir, "--drain-period", "0s", "--tick-rate", "50")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Hello: netcode.Hello{Name: "rec"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := c.SendInput(ctx, snake.EncodeTurn(snake.Direction(i%4))); err != nil {
			t.Fatal(err)
		}
		next(ctx, t, c, netcode.MsgSnapshot)
	}
	if err := c.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("server exit: %v", err)
	}
	file := filepath.Join(dir, c.Welcome().Room+".rec")
	out, err := exec.Command(bin, "replay", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "replayed identically") {
		t.Fatalf("replay: %v\n%s", err, out)
	}

	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-2] ^= 0xff // the last byte of the last tick's hash
	bad := filepath.Join(dir, "tampered.rec")
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "replay", bad).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !strings.Contains(string(out), "differs") {
		t.Fatalf("tampered replay: %v\n%s; want a non-zero exit naming the tick", err, out)
	}
	t.Logf("tampered: %s", strings.TrimSpace(string(out)))
}

func TestReplayCommittedMatch(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "replay", "../../game/replay/testdata/snake-300.rec").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "300 ticks replayed identically") {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	data, err := os.ReadFile("../../game/replay/testdata/snake-300.rec")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.rec")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	out, err = exec.Command(bin, "replay", cut).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "truncated") {
		t.Fatalf("truncated replay: %v\n%s; want an error saying truncated", err, out)
	}
}
