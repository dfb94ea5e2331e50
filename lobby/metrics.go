package lobby

import (
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tickroom/tickroom/netcode"
)

// metrics is a Server's Prometheus instrumentation, on a registry the
// server owns. Labels are bounded sets (close names, results, reasons):
// nothing is labelled per room or per player.
type metrics struct {
	reg *prometheus.Registry

	stepSeconds   prometheus.Histogram
	latenessSecs  prometheus.Histogram
	published     prometheus.Counter
	inputsApplied *prometheus.CounterVec
	// The two series of inputsApplied, looked up once: rooms add to them
	// every tick.
	inputsAccepted, inputsRefused prometheus.Counter
	requests                      *prometheus.CounterVec
	connsOpened                   prometheus.Counter
	connsClosed                   *prometheus.CounterVec
	matchmake                     *prometheus.CounterVec
	roomsCreated                  prometheus.Counter
	roomsDisposed                 prometheus.Counter
	roomPanics                    prometheus.Counter
	throttled                     *prometheus.CounterVec
	snapshotBytes                 prometheus.Histogram
	connStatsCache                *connTotals
	// endedRooms sums the counters of the rooms that have ended, so that
	// the room counters, read from the live rooms at scrape time, only
	// grow.
	endedMu    sync.Mutex
	endedRooms RoomStats
}

// roomEnded takes an ended room out of the live ones (forget) and adds
// its final counters to the totals, in one step for the collector: a
// scrape sees the room either live or in the totals, never both or
// neither, so that the sums only grow.
func (m *metrics) roomEnded(s RoomStats, forget func()) {
	m.endedMu.Lock()
	defer m.endedMu.Unlock()
	forget()
	m.endedRooms.add(s)
}

// roomsAndEnded returns the live rooms and the ended ones' totals.
func (m *metrics) roomsAndEnded(rooms func() []*Room) ([]*Room, RoomStats) {
	m.endedMu.Lock()
	defer m.endedMu.Unlock()
	return rooms(), m.endedRooms
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), connStatsCache: &connTotals{live: make(map[*netcode.Conn]struct{})}}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.stepSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tickroom_room_step_seconds",
		Help:    "Time of one room tick: inputs, game step, snapshot encode and publish.",
		Buckets: tickBuckets,
	})
	m.latenessSecs = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tickroom_room_wake_lateness_seconds",
		Help:    "How late a room woke up after its tick's deadline.",
		Buckets: tickBuckets,
	})
	m.snapshotBytes = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tickroom_snapshot_bytes",
		Help:    "Size of encoded snapshot payloads.",
		Buckets: prometheus.ExponentialBuckets(64, 2, 14),
	})
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m.published = counter("tickroom_snapshots_published_total", "Snapshots put in connections' latest-wins slots.")
	m.connsOpened = counter("tickroom_connections_opened_total", "WebSocket connections accepted.")
	m.roomsCreated = counter("tickroom_rooms_created_total", "Rooms created.")
	m.roomsDisposed = counter("tickroom_rooms_ended_total", "Rooms ended.")
	m.roomPanics = counter("tickroom_room_panics_total", "Rooms ended because their game panicked.")
	m.throttled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tickroom_requests_throttled_total",
		Help: "Requests refused because their client address was over a limit, by limit (" + strings.Join(addrLimitNames, ", ") + ").",
	}, []string{"limit"})
	m.inputsApplied = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tickroom_inputs_applied_total",
		Help: "Inputs a room handed to its game, by result (accepted, bad_input).",
	}, []string{"result"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tickroom_room_requests_total",
		Help: "Client requests a room answered, by result (ok or the reply's error code).",
	}, []string{"result"})
	m.connsClosed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tickroom_connections_closed_total",
		Help: "WebSocket connections closed, by close code name (too_slow, ping_timeout, ...), including refused handshakes.",
	}, []string{"code"})
	m.matchmake = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tickroom_matchmake_requests_total",
		Help: "Matchmaking requests, by HTTP status of the answer.",
	}, []string{"status"})
	for _, c := range []prometheus.Collector{m.stepSeconds, m.latenessSecs, m.snapshotBytes,
		m.published, m.connsOpened, m.roomsCreated, m.roomsDisposed,
		m.inputsApplied, m.requests, m.connsClosed, m.matchmake, m.roomPanics, m.throttled} {
		f(c)
	}
	f(&serverCollector{s: s, totals: m.connStatsCache, met: m})
	for _, c := range s.cfg.Collectors {
		f(c)
	}
	// Series that exist from the start read as 0 rather than missing.
	m.inputsAccepted = m.inputsApplied.WithLabelValues("accepted")
	m.inputsRefused = m.inputsApplied.WithLabelValues("bad_input")
	for _, r := range []string{"ok", netcode.ErrCodeUnknownRequest, netcode.ErrCodeBadRequest, netcode.ErrCodeNotAllowed, netcode.ErrCodeFailed} {
		m.requests.WithLabelValues(r)
	}
	for _, code := range []websocket.StatusCode{websocket.StatusNormalClosure, websocket.StatusGoingAway,
		websocket.StatusAbnormalClosure, websocket.StatusMessageTooBig, websocket.StatusInternalError,
		websocket.StatusTryAgainLater, netcode.CloseBadMessage,
		netcode.CloseBadVersion, netcode.CloseHelloTimeout, netcode.CloseTooSlow, netcode.CloseFlood,
		netcode.CloseRoomClosed, netcode.CloseShuttingDown, netcode.CloseKicked, netcode.CloseRoomFull,
		netcode.ClosePingTimeout, netcode.CloseReplaced, netcode.CloseUnauthorized, netcode.CloseRoomNotFound,
		netcode.CloseBadHello, netcode.CloseTooManyConns, netcode.CloseThrottled, netcode.CloseRedirect} {
		m.connsClosed.WithLabelValues(netcode.CloseName(code))
	}
	for _, l := range addrLimitNames {
		m.throttled.WithLabelValues(l)
	}
	for _, status := range []string{"200", "400", "401", "404", "409", "429", "503"} {
		m.matchmake.WithLabelValues(status)
	}
	return m
}

// tickBuckets are the bounds of the tick-time histograms, in seconds: fine
// below a millisecond, where healthy rooms are, and with bounds at the
// figures service levels are stated in (1, 2, 5, 10 ms; a tick of 50 ms)
// so that a quantile near them is not blurred across a wide bucket.
var tickBuckets = []float64{
	5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 200e-6, 350e-6, 500e-6, 750e-6,
	1e-3, 1.5e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 8e-3, 10e-3, 15e-3, 20e-3,
	30e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1,
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// connTotals sums connection counters: the live connections' as they are
// now, plus the final counters of those that have ended, so that the sums
// only grow.
type connTotals struct {
	mu    sync.Mutex
	live  map[*netcode.Conn]struct{}
	ended netcode.Stats
}

func (t *connTotals) add(c *netcode.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.live[c] = struct{}{}
}

func (t *connTotals) remove(c *netcode.Conn) {
	st := c.Stats()
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.live, c)
	addStats(&t.ended, st)
}

func addStats(dst *netcode.Stats, s netcode.Stats) {
	dst.SnapshotsWritten += s.SnapshotsWritten
	dst.SnapshotsConflated += s.SnapshotsConflated
	dst.ReliableWritten += s.ReliableWritten
	dst.BytesWritten += s.BytesWritten
	dst.InputsDropped += s.InputsDropped
	dst.InputsRateLimited += s.InputsRateLimited
	dst.BadMessages += s.BadMessages
	dst.DeltasWritten += s.DeltasWritten
	dst.ControlDropped += s.ControlDropped
	dst.Writes += s.Writes
	dst.SlowPaths += s.SlowPaths
}

// sum returns the totals, the live connections' reliable queue depth
// (summed and largest) and how many are live.
func (t *connTotals) sum() (total netcode.Stats, depthSum, depthMax, live int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	total = t.ended
	for c := range t.live {
		st := c.Stats()
		addStats(&total, st)
		depthSum += st.ReliableDepth
		depthMax = max(depthMax, st.ReliableDepth)
	}
	return total, depthSum, depthMax, len(t.live)
}

// serverCollector reads gauges and connection sums at scrape time, which
// costs the hot paths nothing.
type serverCollector struct {
	s      *Server
	totals *connTotals
	met    *metrics
}

var (
	descRooms      = prometheus.NewDesc("tickroom_rooms", "Rooms hosted.", nil, nil)
	descPlayers    = prometheus.NewDesc("tickroom_players", "Seated players, by state (connected, away).", []string{"state"}, nil)
	descSpectators = prometheus.NewDesc("tickroom_spectators", "Spectators.", nil, nil)
	descReserved   = prometheus.NewDesc("tickroom_seats_reserved", "Seats held by unused reservations.", nil, nil)
	descConns      = prometheus.NewDesc("tickroom_connections", "Open WebSocket connections in rooms.", nil, nil)
	descWritten    = prometheus.NewDesc("tickroom_snapshots_written_total", "Snapshots written to connections.", nil, nil)
	descConflated  = prometheus.NewDesc("tickroom_snapshots_conflated_total", "Snapshots replaced in a slot before they were written.", nil, nil)
	descReliable   = prometheus.NewDesc("tickroom_reliable_written_total", "Reliable messages (events, welcome, pings, errors) written.", nil, nil)
	descBytes      = prometheus.NewDesc("tickroom_bytes_written_total", "Bytes written to connections, WebSocket framing included.", nil, nil)
	descDeltas     = prometheus.NewDesc("tickroom_deltas_written_total", "Snapshots written as deltas.", nil, nil)
	descWrites     = prometheus.NewDesc("tickroom_socket_writes_total", "Writes to connections' sockets: one per flush, everything pending at once, plus the slow path's.", nil, nil)
	descSlow       = prometheus.NewDesc("tickroom_slow_writes_total", "Times a connection fell behind: its socket took part of a flush and the rest went the slow way.", nil, nil)
	descDropped    = prometheus.NewDesc("tickroom_inputs_dropped_total", "Client messages dropped by the connection, by reason (rate_limited, bad_seq, control_rate_limited: pongs and leaves).", []string{"reason"}, nil)
	descBad        = prometheus.NewDesc("tickroom_bad_messages_total", "Malformed or unknown client messages.", nil, nil)
	descDepth      = prometheus.NewDesc("tickroom_reliable_queue_depth", "Reliable messages queued on live connections, by stat (sum, max).", []string{"stat"}, nil)
	descSteps      = prometheus.NewDesc("tickroom_room_steps_total", "Room ticks run.", nil, nil)
	descOverruns   = prometheus.NewDesc("tickroom_room_overruns_total", "Room ticks that took longer than the tick period.", nil, nil)
	descSkipped    = prometheus.NewDesc("tickroom_room_skipped_ticks_total", "Due ticks skipped after a stall, beyond the catch-up limit.", nil, nil)
	descCatchUps   = prometheus.NewDesc("tickroom_room_catchup_steps_total", "Extra ticks run at one wake-up to catch up after a late one.", nil, nil)
	descResExpired = prometheus.NewDesc("tickroom_reservations_expired_total", "Seat reservations that expired unused.", nil, nil)
)

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRooms, descPlayers, descSpectators, descReserved, descConns,
		descWritten, descConflated, descReliable, descBytes, descDeltas, descWrites, descSlow, descDropped, descBad, descDepth,
		descSteps, descOverruns, descSkipped, descCatchUps, descResExpired} {
		ch <- d
	}
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	rooms, sums := c.met.roomsAndEnded(c.s.Rooms)
	var players, away, spectators, reserved int
	for _, r := range rooms {
		st := r.Stats()
		players += st.Players
		away += st.Away
		spectators += st.Spectators
		reserved += st.Reserved
		sums.add(st)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	count := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(descRooms, float64(len(rooms)))
	gauge(descPlayers, float64(players-away), "connected")
	gauge(descPlayers, float64(away), "away")
	gauge(descSpectators, float64(spectators))
	gauge(descReserved, float64(reserved))
	total, depthSum, depthMax, live := c.totals.sum()
	gauge(descConns, float64(live))
	count(descWritten, total.SnapshotsWritten)
	count(descConflated, total.SnapshotsConflated)
	count(descReliable, total.ReliableWritten)
	count(descBytes, total.BytesWritten)
	count(descDeltas, total.DeltasWritten)
	count(descWrites, total.Writes)
	count(descSlow, total.SlowPaths)
	count(descDropped, total.InputsRateLimited, "rate_limited")
	count(descDropped, total.ControlDropped, "control_rate_limited")
	count(descDropped, total.InputsDropped-total.InputsRateLimited, "bad_seq")
	count(descBad, total.BadMessages)
	gauge(descDepth, float64(depthSum), "sum")
	gauge(descDepth, float64(depthMax), "max")
	count(descSteps, sums.Steps)
	count(descOverruns, sums.Overruns)
	count(descSkipped, sums.SkippedTicks)
	count(descCatchUps, sums.CatchUpSteps)
	count(descResExpired, sums.ReservationsExpired)
}
