package lobby_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// metric returns the value of the sample of family name whose labels
// include all of labels (name=value pairs); histograms give their count.
func metric(t *testing.T, srv *lobby.Server, name string, labels ...string) float64 {
	t.Helper()
	fams, err := srv.Metrics().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
		return 0 // the family exists, with no sample for these labels yet
	}
	t.Fatalf("no metric family %s", name)
	return 0
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func waitMetric(t *testing.T, srv *lobby.Server, want func(float64) bool, name string, labels ...string) {
	t.Helper()
	wait.For(t, name+" "+strings.Join(labels, "="), 10*time.Second, func() bool { return want(metric(t, srv, name, labels...)) })
}

func atLeast(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
func exactly(n float64) func(float64) bool { return func(v float64) bool { return v == n } }

// TestMetricsThroughASession scripts joins, inputs, a bad frame, a slow
// client and a disconnect, and watches the metrics move.
func TestMetricsThroughASession(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("beat", testgame.Options{EventEvery: 1, Padding: 32 << 10})
	e := newEnvBuffers(t, lobby.Config{
		Room: lobby.RoomConfig{TickRate: 50},
		Conn: netcode.Config{ReliableQueue: 32, WriteTimeout: 30 * time.Second, PingInterval: time.Minute, PongTimeout: 2 * time.Minute, ReadLimit: 64 << 10},
	}, 16<<10, typ)
	srv := e.srv
	if got := metric(t, srv, "tickroom_rooms"); got != 0 {
		t.Fatalf("tickroom_rooms %v before any join", got)
	}
	a := e.dial(netcode.Hello{Name: "a"})
	b := e.dial(netcode.Hello{Name: "b", Room: a.Welcome().Room})
	for _, c := range []*client.Client{a, b} {
		go func() { // both read everything until they close
			for {
				if _, err := c.Next(t.Context()); err != nil {
					return
				}
			}
		}()
	}
	waitMetric(t, srv, exactly(1), "tickroom_rooms")
	waitMetric(t, srv, exactly(2), "tickroom_players", "state", "connected")
	waitMetric(t, srv, exactly(2), "tickroom_connections")
	waitMetric(t, srv, exactly(2), "tickroom_connections_opened_total")
	waitMetric(t, srv, atLeast(5), "tickroom_room_steps_total")
	waitMetric(t, srv, atLeast(5), "tickroom_room_step_seconds")
	waitMetric(t, srv, atLeast(10), "tickroom_snapshots_published_total")
	waitMetric(t, srv, atLeast(5), "tickroom_snapshots_written_total")
	// Every snapshot of a tick left in the write that carried it: no more
	// writes than flushes of snapshots, events and pings.
	waitMetric(t, srv, atLeast(5), "tickroom_socket_writes_total")
	if w, n := metric(t, srv, "tickroom_socket_writes_total"), metric(t, srv, "tickroom_snapshots_written_total")+metric(t, srv, "tickroom_reliable_written_total"); w > n {
		t.Errorf("%v socket writes for %v messages, want at most one each", w, n)
	}

	if _, err := a.SendInput(t.Context(), testgame.Input(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendInput(t.Context(), []byte{0xa1, 'x'}); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, srv, exactly(1), "tickroom_inputs_applied_total", "result", "accepted")
	waitMetric(t, srv, exactly(1), "tickroom_inputs_applied_total", "result", "bad_input")
	if err := a.SendRaw(t.Context(), websocket.MessageBinary, []byte{0xc1}); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, srv, exactly(1), "tickroom_bad_messages_total")

	// A client that never reads: conflated snapshots, a growing reliable
	// queue, then a close as too slow.
	slow := e.dialWith(netcode.Hello{Room: a.Welcome().Room}, smallBufferClient())
	waitMetric(t, srv, atLeast(1), "tickroom_snapshots_conflated_total")
	waitMetric(t, srv, atLeast(2), "tickroom_reliable_queue_depth", "stat", "max")
	room := srv.Rooms()[0]
	wait.For(t, "the slow client to be closed as too slow", 10*time.Second, func() bool {
		m, _ := member(t, room, slow.Welcome().Player)
		return m.CloseCode == int(netcode.CloseTooSlow)
	})
	slow.CloseNow()
	waitMetric(t, srv, exactly(1), "tickroom_connections_closed_total", "code", "too_slow")

	// b's network goes away: its seat is held, counted as away, as is the
	// slow client's.
	b.CloseNow()
	waitMetric(t, srv, exactly(2), "tickroom_players", "state", "away")
	waitMetric(t, srv, exactly(1), "tickroom_connections_closed_total", "code", "abnormal")

	if got := e.api("POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: "join", Room: "nope"}, nil); got != http.StatusNotFound {
		t.Fatalf("matchmake: %d", got)
	}
	waitMetric(t, srv, exactly(1), "tickroom_matchmake_requests_total", "status", "404")

	resp, err := http.Get(e.hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"tickroom_room_step_seconds_bucket", "tickroom_room_wake_lateness_seconds", "go_goroutines", "process_cpu_seconds_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
