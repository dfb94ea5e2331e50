package bot

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/tickroom/tickroom/bench/hist"
)

// Role is what a bot does besides playing.
type Role uint8

// Roles. Stallers and reconnecters drop their connection on purpose; their
// drops are counted apart from disconnects.
const (
	// Normal bots play and read everything.
	Normal Role = iota
	// Stallers stop reading for a while, now and then, and resume their
	// seat if the server dropped them meanwhile.
	Staller
	// Reconnecters drop their connection now and then and resume at once
	// with their session token and last event seq.
	Reconnecter
	numRoles
)

func (r Role) String() string {
	switch r {
	case Normal:
		return "normal"
	case Staller:
		return "staller"
	case Reconnecter:
		return "reconnecter"
	}
	return "unknown"
}

// KeepsUp reports whether bots of this role read everything as it comes:
// the service level's conflation and latency apply to them.
func (r Role) KeepsUp() bool { return r != Staller }

// Counters are the measurements of the bots of one role, updated by every
// bot at once.
type Counters struct {
	joined, joinFailed       atomic.Uint64
	snapshots, tickGaps      atomic.Uint64
	deltas                   atomic.Uint64
	badSnapshots             atomic.Uint64
	events, lost, duplicated atomic.Uint64
	inputs, acked            atomic.Uint64
	serverErrors             atomic.Uint64
	disconnects, planned     atomic.Uint64
	resumed, resumeFailed    atomic.Uint64
	stalls                   atomic.Uint64
	latency                  hist.Histogram

	mu     sync.Mutex
	closes map[string]uint64 // unplanned disconnects by close code name
}

func (c *Counters) disconnected(code string) {
	c.disconnects.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closes == nil {
		c.closes = make(map[string]uint64)
	}
	c.closes[code]++
}

// Totals are Counters at one moment, or the difference of two.
type Totals struct {
	// Joined counts successful joins (not resumes); JoinFailed refused or
	// failed ones.
	Joined, JoinFailed uint64
	// Snapshots received; TickGaps the ticks missing between consecutive
	// snapshots of one connection (conflated by the server before the
	// client read them); BadSnapshots those that did not decode.
	Snapshots, TickGaps, BadSnapshots uint64
	// Deltas counts the snapshots that came as deltas.
	Deltas uint64
	// Events received; Lost the event seqs skipped (reliable messages lost:
	// must be 0); Duplicated those received twice.
	Events, Lost, Duplicated uint64
	// Inputs sent; Acked those acknowledged by a snapshot.
	Inputs, Acked uint64
	// ServerErrors counts error messages from the server.
	ServerErrors uint64
	// Disconnects the bot did not plan, by close code name in Closes;
	// Planned the drops it made itself (reconnecting, or dropped by the
	// server while stalling on purpose).
	Disconnects, Planned uint64
	Closes               map[string]uint64
	// Resumed and ResumeFailed count resumes with a session token.
	Resumed, ResumeFailed uint64
	// Stalls counts stalls begun.
	Stalls uint64
	// Latency is input-to-acknowledgement.
	Latency *hist.Counts
}

// Totals returns the counters as they are now.
func (c *Counters) Totals() Totals {
	c.mu.Lock()
	closes := maps.Clone(c.closes)
	c.mu.Unlock()
	if closes == nil {
		closes = map[string]uint64{}
	}
	return Totals{
		Joined: c.joined.Load(), JoinFailed: c.joinFailed.Load(),
		Snapshots: c.snapshots.Load(), TickGaps: c.tickGaps.Load(), BadSnapshots: c.badSnapshots.Load(),
		Deltas: c.deltas.Load(),
		Events: c.events.Load(), Lost: c.lost.Load(), Duplicated: c.duplicated.Load(),
		Inputs: c.inputs.Load(), Acked: c.acked.Load(),
		ServerErrors: c.serverErrors.Load(),
		Disconnects:  c.disconnects.Load(), Planned: c.planned.Load(), Closes: closes,
		Resumed: c.resumed.Load(), ResumeFailed: c.resumeFailed.Load(),
		Stalls:  c.stalls.Load(),
		Latency: c.latency.Snapshot(),
	}
}

// Sub returns t minus an earlier Totals of the same counters.
func (t Totals) Sub(e Totals) Totals {
	d := Totals{
		Joined: t.Joined - e.Joined, JoinFailed: t.JoinFailed - e.JoinFailed,
		Snapshots: t.Snapshots - e.Snapshots, TickGaps: t.TickGaps - e.TickGaps, BadSnapshots: t.BadSnapshots - e.BadSnapshots,
		Deltas: t.Deltas - e.Deltas,
		Events: t.Events - e.Events, Lost: t.Lost - e.Lost, Duplicated: t.Duplicated - e.Duplicated,
		Inputs: t.Inputs - e.Inputs, Acked: t.Acked - e.Acked,
		ServerErrors: t.ServerErrors - e.ServerErrors,
		Disconnects:  t.Disconnects - e.Disconnects, Planned: t.Planned - e.Planned,
		Resumed: t.Resumed - e.Resumed, ResumeFailed: t.ResumeFailed - e.ResumeFailed,
		Stalls: t.Stalls - e.Stalls,
		Closes: make(map[string]uint64),
	}
	for k, v := range t.Closes {
		if v -= e.Closes[k]; v != 0 {
			d.Closes[k] = v
		}
	}
	if t.Latency != nil && e.Latency != nil {
		d.Latency = t.Latency.Sub(e.Latency)
	} else {
		d.Latency = t.Latency
	}
	return d
}

// Add returns the sum of t and o.
func (t Totals) Add(o Totals) Totals {
	s := Totals{
		Joined: t.Joined + o.Joined, JoinFailed: t.JoinFailed + o.JoinFailed,
		Snapshots: t.Snapshots + o.Snapshots, TickGaps: t.TickGaps + o.TickGaps, BadSnapshots: t.BadSnapshots + o.BadSnapshots,
		Deltas: t.Deltas + o.Deltas,
		Events: t.Events + o.Events, Lost: t.Lost + o.Lost, Duplicated: t.Duplicated + o.Duplicated,
		Inputs: t.Inputs + o.Inputs, Acked: t.Acked + o.Acked,
		ServerErrors: t.ServerErrors + o.ServerErrors,
		Disconnects:  t.Disconnects + o.Disconnects, Planned: t.Planned + o.Planned,
		Resumed: t.Resumed + o.Resumed, ResumeFailed: t.ResumeFailed + o.ResumeFailed,
		Stalls:  t.Stalls + o.Stalls,
		Closes:  make(map[string]uint64),
		Latency: new(hist.Counts),
	}
	for k, v := range t.Closes {
		s.Closes[k] += v
	}
	for k, v := range o.Closes {
		s.Closes[k] += v
	}
	if t.Latency != nil {
		s.Latency.Add(t.Latency)
	}
	if o.Latency != nil {
		s.Latency.Add(o.Latency)
	}
	return s
}

// Conflation returns the share of ticks the client did not see:
// TickGaps / (Snapshots + TickGaps).
func (t Totals) Conflation() float64 {
	if n := t.Snapshots + t.TickGaps; n > 0 {
		return float64(t.TickGaps) / float64(n)
	}
	return 0
}

// RoleTotals are Totals per role.
type RoleTotals [numRoles]Totals

// Role returns the totals of one role.
func (r *RoleTotals) Role(role Role) Totals { return r[role] }

// All sums every role.
func (r *RoleTotals) All() Totals {
	t := Totals{Closes: map[string]uint64{}, Latency: new(hist.Counts)}
	for _, x := range r {
		t = t.Add(x)
	}
	return t
}

// KeepingUp sums the roles that read everything as it comes.
func (r *RoleTotals) KeepingUp() Totals {
	t := Totals{Closes: map[string]uint64{}, Latency: new(hist.Counts)}
	for role, x := range r {
		if Role(role).KeepsUp() {
			t = t.Add(x)
		}
	}
	return t
}

// Sub returns r minus an earlier RoleTotals.
func (r *RoleTotals) Sub(e *RoleTotals) *RoleTotals {
	d := new(RoleTotals)
	for i := range r {
		d[i] = r[i].Sub(e[i])
	}
	return d
}
