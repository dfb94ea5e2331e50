package lobby_test

import (
	"math"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// TestTickRateDoesNotDrift watches a room over a window: the ticks it runs
// (or skips and counts) match elapsed/dt, because the loop runs against
// deadlines rather than sleeping a tick after each step.
func TestTickRateDoesNotDrift(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{}, typ)
	const hz = 50
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{TickRate: hz})
	if err != nil {
		t.Fatal(err)
	}
	e.dial(netcode.Hello{Room: room.ID(), Spectator: true}) // rooms tick while they have members
	// Sample right after the room wakes, so that ticks it is late for are
	// already counted as run or skipped.
	sample := func() (lobby.RoomStats, time.Time) {
		s := room.Stats()
		wait.For(t, "the next tick", 5*time.Second, func() bool { return room.Stats().Steps > s.Steps })
		return room.Stats(), time.Now()
	}
	s0, t0 := sample()
	time.Sleep(1500 * time.Millisecond)
	s1, t1 := sample()

	want := t1.Sub(t0).Seconds() * hz
	ran := float64(s1.Steps - s0.Steps)
	skipped := float64(s1.SkippedTicks - s0.SkippedTicks)
	// A loaded machine may wake the room late (skipping ticks, which the
	// room counts), but the schedule itself must not drift: run plus
	// skipped matches the clock, give or take the wake-up lateness of the
	// two samples.
	tolerance := 2 + float64(s1.MaxLateness)/float64(time.Second/hz)
	t.Logf("window %v: %v steps, %v skipped, want %.1f ± %.1f; max lateness %v, max step %v",
		t1.Sub(t0), ran, skipped, want, tolerance, s1.MaxLateness, s1.MaxStep)
	if math.Abs(ran+skipped-want) > tolerance {
		t.Errorf("ran+skipped %v ticks in the window, want %.1f ± %.1f", ran+skipped, want, tolerance)
	}
	if ran < want/2 {
		t.Errorf("ran %v ticks, want most of %.1f", ran, want)
	}
}

// TestStallIsFollowedByBoundedCatchUp stalls one step for ten ticks: the
// room runs at most MaxCatchUp extra steps, skips the rest, and counts both.
func TestStallIsFollowedByBoundedCatchUp(t *testing.T) {
	t.Parallel()
	const hz = 50
	dt := time.Second / hz
	typ, _ := testgame.Type("stall", testgame.Options{Stall: func(tick uint32) {
		if tick == 10 {
			time.Sleep(10 * dt)
		}
	}})
	e := newEnv(t, lobby.Config{}, typ)
	room, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{TickRate: hz, MaxCatchUp: 3})
	if err != nil {
		t.Fatal(err)
	}
	e.dial(netcode.Hello{Room: room.ID(), Spectator: true})
	wait.For(t, "tick 30", 5*time.Second, func() bool { return room.Stats().Steps >= 30 })
	s := room.Stats()
	t.Logf("overruns %d, catch-up steps %d, skipped %d", s.Overruns, s.CatchUpSteps, s.SkippedTicks)
	if s.Overruns < 1 {
		t.Errorf("overruns %d, want the stalled step counted", s.Overruns)
	}
	if s.CatchUpSteps < 3 {
		t.Errorf("catch-up steps %d, want at least the 3 allowed after the stall", s.CatchUpSteps)
	}
	if s.SkippedTicks < 5 {
		t.Errorf("skipped ticks %d, want the ~6 ticks past the catch-up limit counted", s.SkippedTicks)
	}
	if s.MaxStep < 10*dt {
		t.Errorf("max step %v, want at least the %v stall", s.MaxStep, 10*dt)
	}
}

// TestSnapshotEncodedOncePerTick: however many members, one encode a tick.
func TestSnapshotEncodedOncePerTick(t *testing.T) {
	t.Parallel()
	typ, ctr := testgame.Type("count", testgame.Options{})
	e := newEnv(t, lobby.Config{Room: lobby.RoomConfig{TickRate: 50, MaxPlayers: 16}}, typ)
	const clients = 12
	for range clients {
		c := e.dial(netcode.Hello{})
		go func() {
			for {
				if _, err := c.Next(t.Context()); err != nil {
					return
				}
			}
		}()
	}
	room := e.srv.Rooms()[0]
	wait.For(t, "40 ticks with everyone in", 10*time.Second, func() bool {
		return room.Stats().Players == clients && room.Stats().Steps > 40
	})
	members, err := room.Members(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := room.Stats()
	var written uint64
	for _, m := range members {
		written += m.Conn.SnapshotsWritten
	}
	encodes := ctr.Encodes.Load()
	t.Logf("%d steps, %d encodes, %d snapshots written to %d members", s.Steps, encodes, written, len(members))
	// The game's counter may run one step ahead of the room's stats.
	if encodes < s.Steps || encodes > s.Steps+1 {
		t.Errorf("game encoded %d snapshots in %d steps, want one per step", encodes, s.Steps)
	}
	if s.SnapshotsEncoded != s.Steps {
		t.Errorf("room counted %d encodes in %d steps", s.SnapshotsEncoded, s.Steps)
	}
	if written <= encodes {
		t.Errorf("%d snapshots written from %d encodes: the test did not exercise sharing", written, encodes)
	}
}
