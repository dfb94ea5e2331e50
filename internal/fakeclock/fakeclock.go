// Package fakeclock is a lobby.Clock whose time moves only when a test
// says so, so that tests of timeouts (reservations, the resume grace, an
// empty room's disposal) advance time instead of sleeping through it. It
// is for tests only.
package fakeclock

import (
	"sync"
	"time"

	"github.com/tickroom/tickroom/lobby"
)

// Clock is a fake lobby.Clock. Its zero value is not usable: use New.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*timer]struct{} // the armed ones
}

var _ lobby.Clock = (*Clock)(nil)

// New returns a clock that reads start until it is advanced.
func New(start time.Time) *Clock {
	return &Clock{now: start, timers: make(map[*timer]struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the time on by d and fires the timers that are due then,
// each with the new time, as a late wake-up would.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.when.After(c.now) {
			delete(c.timers, t)
			select {
			case t.ch <- c.now:
			default: // a value is already waiting, as with time.Timer
			}
		}
	}
}

// NewTimer returns a timer that fires once the clock has moved on by d.
func (c *Clock) NewTimer(d time.Duration) lobby.Timer {
	t := &timer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

type timer struct {
	c    *Clock
	ch   chan time.Time
	when time.Time
}

func (t *timer) Chan() <-chan time.Time { return t.ch }

func (t *timer) Reset(d time.Duration) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-t.ch: // no stale value, as Go's timers since 1.23
	default:
	}
	t.when = c.now.Add(d)
	if d <= 0 {
		t.ch <- c.now
		delete(c.timers, t)
		return
	}
	c.timers[t] = struct{}{}
}

func (t *timer) Stop() {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.timers, t)
	select {
	case <-t.ch:
	default:
	}
}
