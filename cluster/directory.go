package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// Defaults for Config.
const (
	DefaultTTL         = 5 * time.Second
	DefaultRoomsBucket = "tickroom_rooms"
	DefaultNodesBucket = "tickroom_nodes"
	// MinTTL is the shortest TTL: JetStream refuses limit markers (and so
	// expiries that watchers hear of) under a second, and a heartbeat
	// needs room inside the TTL.
	MinTTL = 2 * time.Second
	// callTimeout bounds one JetStream call: one made while the stream has
	// no leader yet (just after start-up) would otherwise wait without end.
	callTimeout = 2 * time.Second
)

// Config configures a Directory.
type Config struct {
	// NodeID names this node in the nodes bucket; it must be a valid NATS
	// key (letters, digits, '-', '_', '='; see ValidKey).
	NodeID string
	// PublicURL is the address clients dial for this node, e.g.
	// ws://host:8080/ws; every room entry of the node carries it.
	PublicURL string
	// TTL is how long an entry outlives its node's last heartbeat
	// (DefaultTTL, at least MinTTL); the heartbeat is a third of it.
	TTL time.Duration
	// RoomsBucket and NodesBucket name the buckets (DefaultRoomsBucket,
	// DefaultNodesBucket); nodes that share a directory use the same.
	RoomsBucket, NodesBucket string
	// Log receives the directory's warnings; nil is slog.Default().
	Log *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.RoomsBucket == "" {
		c.RoomsBucket = DefaultRoomsBucket
	}
	if c.NodesBucket == "" {
		c.NodesBucket = DefaultNodesBucket
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// keyAlphabet is what a NATS key may hold (and what this package
// writes: room ids and node ids are single tokens, without '.' or '/').
var keyAlphabet = regexp.MustCompile(`^[-_=a-zA-Z0-9]+$`)

// ValidKey reports whether s can be a key of the directory's buckets.
func ValidKey(s string) bool { return len(s) <= 256 && keyAlphabet.MatchString(s) }

func (c Config) validate() error {
	switch {
	case !ValidKey(c.NodeID):
		return fmt.Errorf("cluster: node id %q: want 1 to 256 letters, digits, '-', '_' or '='", c.NodeID)
	case !strings.HasPrefix(c.PublicURL, "ws://") && !strings.HasPrefix(c.PublicURL, "wss://"):
		return fmt.Errorf("cluster: public URL %q: want ws:// or wss://", c.PublicURL)
	case c.TTL < MinTTL:
		return fmt.Errorf("cluster: TTL %v: want at least %v", c.TTL, MinTTL)
	}
	return nil
}

// NodeInfo is a node's entry in the nodes bucket.
type NodeInfo struct {
	ID        string `json:"id"`
	PublicURL string `json:"url"`
	// Load is what placement weighs: rooms hosted, seated players, open
	// connections.
	Rooms       int  `json:"rooms"`
	Players     int  `json:"players"`
	Connections int  `json:"connections"`
	Draining    bool `json:"draining"`
}

// Directory is a lobby.Registry shared by the nodes of a cluster. Its
// methods never wait on NATS: reads come from the local copy the watch
// keeps, writes are recorded and sent by the directory's writer.
type Directory struct {
	cfg          Config
	nc           *nats.Conn // for seat requests
	js           jetstream.JetStream
	rooms, nodes jetstream.KeyValue

	mu    sync.Mutex
	own   map[string]netcode.RoomInfo // this node's rooms, as the lobby put them
	dirty map[string]bool             // own room ids to send: true put, false delete
	seen  map[string]netcode.RoomInfo // every node's rooms, as the watch saw them
	peers map[string]NodeInfo         // every node, as the watch saw them
	self  NodeInfo
	err   error // the last write's error, nil once one succeeds again
	// failures counts the flushes that failed; wrote is when one last
	// succeeded.
	failures uint64
	wrote    time.Time

	seatSeconds *prometheus.HistogramVec

	kick   chan struct{} // the writer has work; capacity 1, never blocks
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

var _ lobby.Registry = (*Directory)(nil)

// Open creates (or joins) the directory's buckets on js and starts the
// directory's watch and writer goroutines; Close stops them. It retries
// the bucket calls until ctx ends, since a JetStream that has just started
// may have no stream leader yet.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Directory, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	d := &Directory{
		cfg:   cfg,
		nc:    js.Conn(),
		js:    js,
		own:   make(map[string]netcode.RoomInfo),
		dirty: make(map[string]bool),
		seen:  make(map[string]netcode.RoomInfo),
		peers: make(map[string]NodeInfo),
		self:  NodeInfo{ID: cfg.NodeID, PublicURL: cfg.PublicURL},
		kick:  make(chan struct{}, 1),

		seatSeconds: newSeatSeconds(),
	}
	var err error
	if d.rooms, err = bucket(ctx, js, cfg.RoomsBucket, cfg.TTL); err != nil {
		return nil, err
	}
	if d.nodes, err = bucket(ctx, js, cfg.NodesBucket, cfg.TTL); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	ready := make(chan struct{}, 2)
	d.wg.Add(3)
	go func() { defer d.wg.Done(); d.watch(wctx, d.rooms, d.roomChanged, ready) }()
	go func() { defer d.wg.Done(); d.watch(wctx, d.nodes, d.nodeChanged, ready) }()
	go func() { defer d.wg.Done(); d.write(wctx) }()
	// Listings are right from the start: wait for the watches' first view.
	for range 2 {
		select {
		case <-ready:
		case <-ctx.Done():
			d.Close(context.Background())
			return nil, fmt.Errorf("cluster: open: waiting for the directory: %w", ctx.Err())
		}
	}
	d.signal() // the node's own entry
	return d, nil
}

// bucket creates or updates a bucket, retrying while JetStream is not
// ready.
func bucket(ctx context.Context, js jetstream.JetStream, name string, ttl time.Duration) (jetstream.KeyValue, error) {
	cfg := bucketConfig(name, ttl)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		kv, err := js.CreateOrUpdateKeyValue(cctx, cfg)
		cancel()
		if err == nil {
			return kv, nil
		}
		if errors.Is(err, jetstream.ErrLimitMarkerTTLNotSupported) {
			return nil, fmt.Errorf("cluster: bucket %s: the NATS server is too old (2.11 or later is needed for expiry markers): %w", name, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cluster: bucket %s: %w (last error: %v)", name, ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// bucketConfig is a directory bucket: in memory, since every node puts
// its entries again within the TTL, so that nothing is lost with them.
func bucketConfig(name string, ttl time.Duration) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:         name,
		Description:    "tickroom directory",
		TTL:            ttl,
		LimitMarkerTTL: ttl,
		History:        1,
		Storage:        jetstream.MemoryStorage,
	}
}

// Close stops the directory and removes this node's entries, so that the
// others forget it at once rather than after the TTL; ctx bounds that.
func (d *Directory) Close(ctx context.Context) error {
	d.cancel()
	d.wg.Wait()
	d.mu.Lock()
	ids := make([]string, 0, len(d.own))
	for id := range d.own {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	var errs []error
	for _, id := range ids {
		errs = append(errs, d.call(ctx, func(ctx context.Context) error { return d.rooms.Delete(ctx, id) }))
	}
	errs = append(errs, d.call(ctx, func(ctx context.Context) error { return d.nodes.Delete(ctx, d.cfg.NodeID) }))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cluster: close: %w", err)
	}
	return nil
}

// call runs one JetStream call with its own timeout.
func (d *Directory) call(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return f(ctx)
}

// Put records one of this node's rooms, with this node's URL unless the
// entry names one; the writer sends it.
func (d *Directory) Put(_ context.Context, info netcode.RoomInfo) error {
	if info.Node == "" {
		info.Node = d.cfg.PublicURL
	}
	d.mu.Lock()
	d.own[info.ID] = info
	d.dirty[info.ID] = true
	d.mu.Unlock()
	d.signal()
	return nil
}

// Delete forgets one of this node's rooms; the writer deletes its entry.
func (d *Directory) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	if _, ok := d.own[id]; ok {
		delete(d.own, id)
		d.dirty[id] = false
	}
	d.mu.Unlock()
	d.signal()
	return nil
}

// Get returns a room's entry, this node's or another's.
func (d *Directory) Get(_ context.Context, id string) (netcode.RoomInfo, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if info, ok := d.own[id]; ok {
		return info, nil
	}
	if info, ok := d.seen[id]; ok && d.foreign(info) {
		return info, nil
	}
	return netcode.RoomInfo{}, fmt.Errorf("cluster: room %s: %w", id, lobby.ErrRoomNotFound)
}

// foreign reports whether a watched entry is another node's: entries with
// this node's URL that it does not host are a former run's, waiting for
// their TTL. d.mu must be held.
func (d *Directory) foreign(info netcode.RoomInfo) bool {
	_, mine := d.own[info.ID]
	return !mine && info.Node != d.cfg.PublicURL
}

// drainingNode reports whether the node at url drains; d.mu must be held.
func (d *Directory) drainingNode(url string) bool {
	for _, n := range d.peers {
		if n.PublicURL == url {
			return n.Draining
		}
	}
	return false
}

// List returns the rooms of every node that match f, ordered by id;
// another node's rooms are left out while it drains, since it takes no
// new players.
func (d *Directory) List(_ context.Context, f lobby.Filter) ([]netcode.RoomInfo, error) {
	d.mu.Lock()
	out := make([]netcode.RoomInfo, 0, len(d.own))
	for _, info := range d.own {
		if f.Match(info) {
			out = append(out, info)
		}
	}
	for _, info := range d.seen {
		if d.foreign(info) && f.Match(info) && !d.drainingNode(info.Node) {
			out = append(out, info)
		}
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b netcode.RoomInfo) int { return strings.Compare(a.ID, b.ID) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Nodes returns the live nodes, this one included, ordered by id.
func (d *Directory) Nodes() []NodeInfo {
	d.mu.Lock()
	out := []NodeInfo{d.self}
	for id, n := range d.peers {
		if id != d.cfg.NodeID {
			out = append(out, n)
		}
	}
	d.mu.Unlock()
	slices.SortFunc(out, func(a, b NodeInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// SetLoad records this node's load and draining flag for its entry.
func (d *Directory) SetLoad(rooms, players, conns int, draining bool) {
	d.mu.Lock()
	changed := d.self.Draining != draining
	d.self.Rooms, d.self.Players, d.self.Connections, d.self.Draining = rooms, players, conns, draining
	d.mu.Unlock()
	if changed {
		d.signal() // others must stop sending work at once, not at the next beat
	}
}

// Err returns the error of the last write to NATS, nil when it
// succeeded: a node that cannot write keeps its rooms, but the others
// stop seeing them after the TTL.
func (d *Directory) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *Directory) signal() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}
