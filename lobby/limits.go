package lobby

import (
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"time"
)

// AddrLimits bounds what one client address may ask of the server, so that
// a single client cannot fill it with rooms, hold its seats, or guess
// private room ids. In Config, a zero field takes its Default value and a
// negative one means no limit (a load test from one address needs that).
type AddrLimits struct {
	// Rooms caps the live rooms one address has created through the API
	// (POST /api/rooms, matchmaking mode "create").
	Rooms int
	// CreateRate and CreateBurst are the token bucket of those creations,
	// per second.
	CreateRate  float64
	CreateBurst int
	// Reservations caps the unused seat reservations one address holds.
	Reservations int
	// LookupFailRate and LookupFailBurst are the token bucket of failed
	// lookups (unknown room, session or reservation), per second: past it
	// the address is throttled before anything is looked up.
	LookupFailRate  float64
	LookupFailBurst int
}

// Default per-address limits: a person creates a few rooms, holds a
// reservation or two while a page loads, and mistypes a room code now and
// then; a script that does more is throttled.
const (
	DefaultAddrRooms           = 16
	DefaultAddrCreateRate      = 1.0
	DefaultAddrCreateBurst     = 8
	DefaultAddrReservations    = 4
	DefaultAddrLookupFailRate  = 2.0
	DefaultAddrLookupFailBurst = 20
)

// ErrThrottled is returned when a client address is over one of its limits.
var ErrThrottled = errors.New("too many requests from this address")

// The per-address limits, as metrics label them.
const (
	limitRooms        = "rooms"
	limitCreateRate   = "create_rate"
	limitReservations = "reservations"
	limitLookups      = "failed_lookups"
)

var addrLimitNames = []string{limitRooms, limitCreateRate, limitReservations, limitLookups}

// throttledError says which limit refused a request and how long the
// client should wait (Retry-After).
type throttledError struct {
	limit string
	what  string
	retry time.Duration
}

func (e *throttledError) Error() string {
	return fmt.Sprintf("%s: %s; retry in %v", ErrThrottled, e.what, e.retry.Round(time.Second))
}

func (e *throttledError) Unwrap() error { return ErrThrottled }

// retryAfter is the wait a throttled error asks for; 0 for other errors.
func retryAfter(err error) time.Duration {
	var t *throttledError
	if errors.As(err, &t) {
		return t.retry
	}
	return 0
}

func (l AddrLimits) withDefaults() AddrLimits {
	orDefault(&l.Rooms, DefaultAddrRooms)
	orDefault(&l.CreateRate, DefaultAddrCreateRate)
	orDefault(&l.CreateBurst, DefaultAddrCreateBurst)
	orDefault(&l.Reservations, DefaultAddrReservations)
	orDefault(&l.LookupFailRate, DefaultAddrLookupFailRate)
	orDefault(&l.LookupFailBurst, DefaultAddrLookupFailBurst)
	return l
}

// addrSweepEvery is how often idle addresses are forgotten, so that the
// table holds only addresses that hold something or acted lately.
const addrSweepEvery = time.Minute

// addrTable keeps the state of each client address. Its lock is held only
// for map and arithmetic work, never across I/O or a room command.
type addrTable struct {
	lim AddrLimits
	now func() time.Time
	// throttled counts a refusal by limit name; nil counts nothing.
	throttled func(limit string)

	mu        sync.Mutex
	addrs     map[string]*addrState
	lastSweep time.Time
}

type addrState struct {
	rooms        int // live rooms created through the API
	reservations int // unused reservations
	create       bucket
	lookups      bucket
}

func newAddrTable(lim AddrLimits, now func() time.Time) *addrTable {
	return &addrTable{lim: lim.withDefaults(), now: now, addrs: make(map[string]*addrState), lastSweep: now()}
}

// addrKey groups a client address: IPv6 clients get a /64 each, which is
// what one subscriber is usually given, so that rotating through the
// addresses of a prefix does not multiply the limits.
func addrKey(ip string) string {
	a := net.ParseIP(ip)
	if a == nil || a.To4() != nil {
		return ip
	}
	return a.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// state returns the address's entry; t.mu must be held.
func (t *addrTable) state(addr string, now time.Time) *addrState {
	if now.Sub(t.lastSweep) >= addrSweepEvery {
		t.sweep(now)
	}
	k := addrKey(addr)
	st := t.addrs[k]
	if st == nil {
		st = &addrState{
			create:  newBucket(t.lim.CreateRate, t.lim.CreateBurst, now),
			lookups: newBucket(t.lim.LookupFailRate, t.lim.LookupFailBurst, now),
		}
		t.addrs[k] = st
	}
	return st
}

// sweep forgets addresses that hold nothing and whose buckets are full
// again: forgetting them changes nothing.
func (t *addrTable) sweep(now time.Time) {
	t.lastSweep = now
	for k, st := range t.addrs {
		if st.rooms == 0 && st.reservations == 0 && st.create.full(now) && st.lookups.full(now) {
			delete(t.addrs, k)
		}
	}
}

func (t *addrTable) refuse(limit, what string, retry time.Duration) error {
	if t.throttled != nil {
		t.throttled(limit)
	}
	return &throttledError{limit: limit, what: what, retry: retry}
}

// createRoom takes a room creation for addr, or says why not.
func (t *addrTable) createRoom(addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	st := t.state(addr, now)
	if t.lim.Rooms > 0 && st.rooms >= t.lim.Rooms {
		return t.refuse(limitRooms, fmt.Sprintf("%d live rooms created (the limit)", st.rooms), DefaultEmptyTimeout)
	}
	if t.lim.CreateRate > 0 {
		if wait := st.create.take(now); wait > 0 {
			return t.refuse(limitCreateRate, fmt.Sprintf("over %g room creations per second", t.lim.CreateRate), wait)
		}
	}
	st.rooms++
	return nil
}

// roomEnded gives back a room that createRoom counted.
func (t *addrTable) roomEnded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.addrs[addrKey(addr)]; st != nil && st.rooms > 0 {
		st.rooms--
	}
}

// reserve counts an unused reservation for addr, or says why not.
func (t *addrTable) reserve(addr string, ttl time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.state(addr, t.now())
	if t.lim.Reservations > 0 && st.reservations >= t.lim.Reservations {
		return t.refuse(limitReservations, fmt.Sprintf("%d unused seat reservations held (the limit)", st.reservations), ttl)
	}
	st.reservations++
	return nil
}

// released gives back a reservation: used, expired, or its room ended.
func (t *addrTable) released(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.addrs[addrKey(addr)]; st != nil && st.reservations > 0 {
		st.reservations--
	}
}

// lookupAllowed reports whether addr may look something up, refusing an
// address that has spent its failed lookups.
func (t *addrTable) lookupAllowed(addr string) error {
	if t.lim.LookupFailRate <= 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if wait := t.state(addr, now).lookups.wait(now); wait > 0 {
		return t.refuse(limitLookups, "too many failed room or token lookups", wait)
	}
	return nil
}

// lookupFailed spends one failed lookup of addr.
func (t *addrTable) lookupFailed(addr string) {
	if t.lim.LookupFailRate <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.state(addr, now).lookups.take(now)
}

// bucket is a token bucket; its owner holds the lock.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate float64, burst int, now time.Time) bucket {
	return bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *bucket) refill(now time.Time) {
	if b.rate <= 0 {
		return
	}
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
}

// wait is how long until a token is there; 0 if one is.
func (b *bucket) wait(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 || b.rate <= 0 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// take spends a token, or returns how long until one is there.
func (b *bucket) take(now time.Time) time.Duration {
	if w := b.wait(now); w > 0 {
		return w
	}
	b.tokens--
	return 0
}

func (b *bucket) full(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}
