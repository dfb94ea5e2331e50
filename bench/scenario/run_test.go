package scenario_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tickroom/tickroom/bench/internal/loopback"
	"github.com/tickroom/tickroom/bench/report"
	"github.com/tickroom/tickroom/bench/scenario"
	"github.com/tickroom/tickroom/lobby"
)

// tiny is one step of two arena rooms, measured for two seconds.
func tiny() scenario.Scenario {
	s := scenario.Arena
	s.Steps, s.Extend = []int{2}, false
	s.Warmup, s.Window = 500*time.Millisecond, 2*time.Second
	return s
}

// checkSane checks that a tiny bench's figures are there and plausible,
// without judging the machine's speed. An in-process server shares its
// process figures (CPU, allocations) with the bots and other tests, so
// only a child's allocations are checked.
func checkSane(t *testing.T, r *report.Result, child bool) {
	t.Helper()
	if len(r.Steps) != 1 {
		t.Fatalf("%d steps, want 1", len(r.Steps))
	}
	s := r.Steps[0]
	positive := map[string]float64{
		"connections": s.Connections, "window seconds": s.WindowSeconds, "room steps": s.RoomSteps,
		"snapshots delivered": float64(s.SnapshotsDelivered), "snapshots written": s.SnapshotsWritten,
		"events": float64(s.Events), "step p50": s.StepP50Millis, "step p99": s.StepP99Millis,
		"bytes per client": s.BytesPerClientPerSec, "snapshot bytes": s.SnapshotBytesMean,
		"goroutines per conn": s.GoroutinesPerConn, "heap+stack": s.HeapStackBytes,
	}
	// A child's allocations per tick are its allocations less the
	// scrapes' own, which in a window this small can round to 0; they must
	// still be a number and not negative.
	if child && !(s.AllocsPerTick >= 0) {
		t.Errorf("allocs per tick = %g, want a number >= 0", s.AllocsPerTick)
	}
	for name, v := range positive {
		if !(v > 0) {
			t.Errorf("%s = %g, want > 0", name, v)
		}
	}
	if s.Rooms != 2 || s.Bots != 16 || s.Connections != 16 {
		t.Errorf("rooms %d, bots %d, connections %g; want 2, 16, 16", s.Rooms, s.Bots, s.Connections)
	}
	if s.ReliableLost != 0 || s.Disconnects != 0 || s.JoinFailed != 0 {
		t.Errorf("lost %d, disconnects %d, failed joins %d", s.ReliableLost, s.Disconnects, s.JoinFailed)
	}
	if s.Inputs > 0 && s.AckSamples == 0 {
		t.Errorf("%d inputs, no ack", s.Inputs)
	}
	if s.AckSamples > 0 && !(s.AckP50Millis > 0 && s.AckP50Millis <= s.AckP99Millis) {
		t.Errorf("ack p50 %g, p99 %g", s.AckP50Millis, s.AckP99Millis)
	}
	if s.StepP50Millis > s.StepP99Millis || s.StepP99Millis > s.StepMaxMillis {
		t.Errorf("step p50 %g, p99 %g, max %g out of order", s.StepP50Millis, s.StepP99Millis, s.StepMaxMillis)
	}
	// 16 bots at 20 Hz for about 2 s, give or take a loaded machine.
	if s.SnapshotsDelivered > 16*20*4 {
		t.Errorf("%d snapshots delivered: more than the ticks allow", s.SnapshotsDelivered)
	}
	m := r.Machine
	if m.Cores < 1 || m.GoVersion == "" || m.CPUModel == "" || m.ServerGOMAXPROCS < 1 {
		t.Errorf("machine %+v", m)
	}
	if r.Baseline.Goroutines <= 0 || r.Baseline.HeapStackBytes <= 0 {
		t.Errorf("baseline %+v", r.Baseline)
	}
	if r.Stopped == "" {
		t.Error("no reason for the end of the ramp")
	}
}

func TestRunAgainstURL(t *testing.T) {
	// Not parallel: the server runs in this process, so its goroutine and
	// heap figures are the process's, and another test's bots starting or
	// ending between the baseline and the window (TestRunInterrupted's)
	// would move them; goroutines per connection came out 0 that way.
	url := loopback.Start(t, lobby.Config{})
	r, err := scenario.Run(context.Background(), scenario.Config{
		Scenario: tiny(), URL: url, Seed: 1, ScrapeEvery: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSane(t, r, false)
	if r.Settings.Server != url || r.Settings.ServerPID != 0 {
		t.Errorf("server %q pid %d, want the URL and no pid", r.Settings.Server, r.Settings.ServerPID)
	}
	path := filepath.Join(t.TempDir(), "tiny.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	if _, err := report.ReadJSON(path); err != nil {
		t.Fatal(err)
	}
}

// TestRunStartsServer runs the test binary as the server process, as
// tickroom bench runs "tickroom serve".
func TestRunStartsServer(t *testing.T) {
	t.Setenv(fakeServerEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenario.Run(context.Background(), scenario.Config{
		Scenario: tiny(), ServerCommand: []string{exe}, Seed: 1, ScrapeEvery: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	checkSane(t, r, true)
	s := r.Steps[0]
	if r.Settings.ServerPID == 0 || s.RSSBytes <= 0 || r.Baseline.RSSBytes <= 0 {
		t.Errorf("server pid %d, rss %g, idle rss %g: want the child's /proc figures",
			r.Settings.ServerPID, s.RSSBytes, r.Baseline.RSSBytes)
	}
}

func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	url := loopback.Start(t, lobby.Config{})
	sc := tiny()
	sc.Window = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r, err := scenario.Run(ctx, scenario.Config{Scenario: sc, URL: url})
	if err == nil {
		t.Fatal("an interrupted run returned no error")
	}
	if r == nil || r.Stopped != "interrupted" || len(r.Steps) != 0 {
		t.Errorf("interrupted run: %+v", r)
	}
}

func TestRunNeedsAServer(t *testing.T) {
	t.Parallel()
	if _, err := scenario.Run(context.Background(), scenario.Config{Scenario: tiny()}); err == nil {
		t.Error("Run without URL or server command succeeded")
	}
}
