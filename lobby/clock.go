package lobby

import "time"

// Clock is where a Server and its rooms get the time: a room's tick
// schedule and empty timeout, the resume grace period, reservations'
// expiry and the per-address rates. Tests inject a fake one to move time
// on without sleeping; nil in Config is the system clock.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a Clock's one-shot timer, as time.Timer: its channel receives
// the time once the duration has passed, and Reset starts it again with
// no stale value left in the channel.
type Timer interface {
	Chan() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// systemClock is the real time.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) Chan() <-chan time.Time { return t.t.C }

// Reset relies on Go 1.23's timers, whose Reset leaves no stale value.
func (t systemTimer) Reset(d time.Duration) { t.t.Reset(d) }

func (t systemTimer) Stop() { t.t.Stop() }
