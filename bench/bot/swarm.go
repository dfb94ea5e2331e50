package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/netcode"
)

// JoinMode is how swarm bots find a room.
type JoinMode string

// Join modes.
const (
	// JoinMatchmake groups bots RoomsOf at a time: the first of a group
	// asks POST /api/matchmake for a new room of RoomsOf seats, the others
	// for a seat in it; each spends its reservation in its hello.
	JoinMatchmake JoinMode = "matchmake"
	// JoinQuick sends a quick-play hello (game only): the server seats the
	// bot in the fullest room with a free seat, so rooms fill as many at a
	// time as the server's max players.
	JoinQuick JoinMode = "quick"
)

// Transport is how swarm bots read their connections.
type Transport string

// Transports.
const (
	// TransportPoll reads every normal bot's connection from one epoll
	// loop (Linux): one read(2) per message and no goroutine per bot, so
	// that the load generator is not the limit. Stallers and reconnecters
	// still use the Go client.
	TransportPoll Transport = "poll"
	// TransportClient runs each bot on the Go client (clients/go/client)
	// in a goroutine of its own, as a game's Go client would.
	TransportClient Transport = "client"
)

// DefaultTransport is poll where the platform has it.
func DefaultTransport() Transport {
	if pollAvailable {
		return TransportPoll
	}
	return TransportClient
}

// Defaults of SwarmConfig.
const (
	DefaultJoinRate = 200
	DefaultRoomsOf  = 8
	DefaultGame     = "snake"
)

// SwarmConfig configures a Swarm.
type SwarmConfig struct {
	// URL is the server's WebSocket endpoint, ws://host:port/ws; the
	// matchmaking API is on the same host.
	URL  string
	Join JoinMode
	// RoomsOf is the bots per room (JoinMatchmake).
	RoomsOf int
	// JoinRate bounds joins per second, so the server does not meet a
	// thundering herd.
	JoinRate float64
	// Seed derives every bot's seed.
	Seed uint64
	Game string
	// Stallers and Reconnecters are the fractions of bots in those roles,
	// spread evenly over the bots' order of joining.
	Stallers, Reconnecters float64
	Behaviour              Behaviour
	// Deltas makes the bots ask for delta snapshots and patch them (the
	// Go client's Options.Patch with Snake's patcher).
	Deltas bool
	// HTTPClient makes matchmaking requests and dials; nil uses a client
	// of its own.
	HTTPClient *http.Client
	// ShareStates makes the bots of one room decode each state once
	// between them (see States); the server's load is the same.
	ShareStates bool
	// Transport is how bots read; empty is DefaultTransport().
	Transport Transport
}

// Swarm is many bots in one process. Its methods are safe for concurrent
// use; Close stops every bot and waits for their goroutines.
type Swarm struct {
	cfg      SwarmConfig
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	counters [numRoles]Counters
	mm       *matchmaker
	patch    func(dst, base, delta []byte) ([]byte, error)
	states   *States   // nil unless ShareStates
	loop     *pollLoop // nil unless TransportPoll

	closeOnce sync.Once

	mu      sync.Mutex // serializes Grow
	started int
	room    string // JoinMatchmake: the room of the group being filled
}

// NewSwarm returns a swarm with no bots.
func NewSwarm(cfg SwarmConfig) (*Swarm, error) {
	if cfg.Join == "" {
		cfg.Join = JoinMatchmake
	}
	if cfg.Join != JoinMatchmake && cfg.Join != JoinQuick {
		return nil, fmt.Errorf("bot: join mode %q: want %q or %q", cfg.Join, JoinMatchmake, JoinQuick)
	}
	if cfg.RoomsOf <= 0 {
		cfg.RoomsOf = DefaultRoomsOf
	}
	if cfg.JoinRate <= 0 {
		cfg.JoinRate = DefaultJoinRate
	}
	if cfg.Game == "" {
		cfg.Game = DefaultGame
	}
	if cfg.Transport == "" {
		cfg.Transport = DefaultTransport()
	}
	if cfg.Transport != TransportPoll && cfg.Transport != TransportClient {
		return nil, fmt.Errorf("bot: transport %q: want %q or %q", cfg.Transport, TransportPoll, TransportClient)
	}
	if cfg.Stallers < 0 || cfg.Reconnecters < 0 || cfg.Stallers+cfg.Reconnecters > 1 {
		return nil, errors.New("bot: stallers and reconnecters must be fractions that add up to at most 1")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	}
	mm, err := newMatchmaker(cfg.URL, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	sw := &Swarm{cfg: cfg, ctx: ctx, cancel: cancel, mm: mm}
	if cfg.ShareStates {
		sw.states = NewStates()
	}
	if cfg.Deltas {
		typ, err := snake.Type(snake.DefaultConfig())
		if err != nil {
			cancel()
			return nil, err
		}
		sw.patch = typ.Patch
	}
	if cfg.Transport == TransportPoll {
		if sw.loop, err = newPollLoop(); err != nil {
			cancel()
			return nil, err
		}
		sw.wg.Add(1)
		go func() {
			defer sw.wg.Done()
			sw.loop.run()
		}()
	}
	return sw, nil
}

// Grow starts bots until n have been started, at most JoinRate per second,
// and waits until each new one has joined or failed to. Failed joins are
// counted (Totals JoinFailed); the error is for a swarm that could not try
// (ctx ended, matchmaking refused). progress, if set, is called with the
// number of new bots that have finished joining.
func (s *Swarm) Grow(ctx context.Context, n int, progress func(joined int)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return errors.New("bot: swarm closed")
	}
	if n <= s.started {
		return nil
	}
	results := make(chan error, n-s.started)
	begin := time.Now()
	var err error
	launched := 0
	for i := s.started; i < n; i++ {
		due := begin.Add(time.Duration(float64(launched) / s.cfg.JoinRate * float64(time.Second)))
		if err = sleepUntil(ctx, due); err != nil {
			break
		}
		var hello netcode.Hello
		if hello, err = s.hello(ctx, i); err != nil {
			break
		}
		b := New(Config{
			URL:       s.cfg.URL,
			Options:   client.Options{Hello: hello, HTTPClient: s.cfg.HTTPClient, Patch: s.patch},
			Role:      s.roleOf(i),
			Behaviour: s.cfg.Behaviour,
			Seed:      botSeed(s.cfg.Seed, i),
			Counters:  &s.counters[s.roleOf(i)],
			States:    s.states,
		})
		s.wg.Add(1)
		if s.loop != nil && b.role == Normal {
			go func() {
				defer s.wg.Done()
				err := s.loop.joinPoll(s.ctx, b)
				if err != nil {
					b.st.joinFailed.Add(1)
				} else {
					b.st.joined.Add(1)
				}
				results <- err
			}()
		} else {
			go func() {
				defer s.wg.Done()
				err := b.Join(s.ctx)
				results <- err
				if err == nil {
					b.Run(s.ctx)
				}
			}()
		}
		launched++
		s.started++
	}
	for done := 1; done <= launched; done++ {
		<-results
		if progress != nil {
			progress(done)
		}
	}
	return err
}

// hello is bot i's first hello.
func (s *Swarm) hello(ctx context.Context, i int) (netcode.Hello, error) {
	h := netcode.Hello{Name: fmt.Sprintf("bot%d", i), Game: s.cfg.Game}
	if s.cfg.Join == JoinQuick {
		return h, nil
	}
	var res reservation
	var err error
	if i%s.cfg.RoomsOf != 0 && s.room != "" {
		res, err = s.mm.join(ctx, s.room)
	}
	if i%s.cfg.RoomsOf == 0 || s.room == "" || err != nil {
		// A new group, or its room went away or filled up: a new room.
		res, err = s.mm.create(ctx, s.cfg.Game, s.cfg.RoomsOf)
	}
	if err != nil {
		return h, err
	}
	s.room = res.Room
	h.Reservation = res.Reservation
	return h, nil
}

// roleOf spreads the roles evenly over the order of joining: bot i is a
// staller when the running count of stallers due, i*Stallers rounded down,
// steps up at i; reconnecters likewise, half a step out of phase, unless
// the bot is already a staller. The first n bots hold floor(n*Stallers)
// stallers.
func (s *Swarm) roleOf(i int) Role {
	steps := func(f, phase float64) bool {
		return math.Floor(float64(i+1)*f+phase) > math.Floor(float64(i)*f+phase)
	}
	switch {
	case steps(s.cfg.Stallers, 0):
		return Staller
	case steps(s.cfg.Reconnecters, 0.5):
		return Reconnecter
	}
	return Normal
}

// Started returns the number of bots started.
func (s *Swarm) Started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Transport returns how the swarm's bots read (the default resolved).
func (s *Swarm) Transport() Transport { return s.cfg.Transport }

// Totals returns every role's counters as they are now.
func (s *Swarm) Totals() *RoleTotals {
	t := new(RoleTotals)
	for i := range s.counters {
		t[i] = s.counters[i].Totals()
	}
	return t
}

// Close stops every bot (a normal close, which ends its seat) and waits
// for their goroutines. It is idempotent.
func (s *Swarm) Close() {
	s.cancel()
	s.closeOnce.Do(func() {
		if s.loop != nil {
			s.loop.stop()
		}
	})
	s.wg.Wait()
	s.cfg.HTTPClient.CloseIdleConnections()
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// botSeed derives bot i's seed (SplitMix64 of the swarm seed and i).
func botSeed(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
