package fakeclock_test

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/fakeclock"
)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestTimer(t *testing.T) {
	start := time.Unix(1000, 0)
	clk := fakeclock.New(start)
	tm := clk.NewTimer(time.Second)
	clk.Advance(999 * time.Millisecond)
	if _, ok := fired(tm.Chan()); ok {
		t.Fatal("fired before its time")
	}
	clk.Advance(5 * time.Millisecond)
	if v, ok := fired(tm.Chan()); !ok || !v.Equal(start.Add(1004*time.Millisecond)) {
		t.Fatalf("at its time: fired %v with %v, want the clock's time", ok, v)
	}
	clk.Advance(time.Hour)
	if _, ok := fired(tm.Chan()); ok {
		t.Fatal("a one-shot timer fired twice")
	}
	// Reset leaves no stale value; Stop disarms.
	tm.Reset(time.Second)
	clk.Advance(time.Second)
	tm.Reset(time.Second)
	if _, ok := fired(tm.Chan()); ok {
		t.Fatal("a stale value after Reset")
	}
	tm.Stop()
	clk.Advance(time.Hour)
	if _, ok := fired(tm.Chan()); ok {
		t.Fatal("fired after Stop")
	}
	tm.Reset(0)
	if _, ok := fired(tm.Chan()); !ok {
		t.Fatal("Reset(0) did not fire at once")
	}
}
