package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tickroom/tickroom/store"
)

// failing is a Store whose writes and Ping fail as a database that is down
// does; pings counts the Pings.
type failing struct {
	store.Store
	pings atomic.Int64
}

var errDown = errors.New("connection refused (the test's database is down)")

func (f *failing) Ping(context.Context) error {
	f.pings.Add(1)
	return errDown
}
func (f *failing) AddResults(context.Context, []store.Result) error { return errDown }

// counting counts the Pings of a working Store.
type counting struct {
	store.Store
	pings atomic.Int64
}

func (c *counting) Ping(ctx context.Context) error {
	c.pings.Add(1)
	return c.Store.Ping(ctx)
}

func TestCollector(t *testing.T) {
	ctx := context.Background()
	s := &counting{Store: openT(t, filepath.Join(t.TempDir(), "tickroom.db"))}
	defer s.Close()
	p, err := s.PlayerByKey(ctx, store.HashKey([]byte("key")), "ann")
	if err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(s, store.WriterConfig{Queue: 100})
	at := time.Now()
	for range 3 {
		w.Result(store.Result{Game: "snake", Player: p.ID, At: at})
	}
	w.Chat(store.ChatLine{Room: "r", Name: "ann", Text: "hi", At: at})
	w.Match(store.Match{Game: "snake", Started: at, Ended: at, Players: []store.MatchPlayer{{Player: 1 << 40, Name: "x"}}}) // refused
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	w.Chat(store.ChatLine{Room: "r", Name: "ann", Text: "late", At: at}) // lost: closed

	c := store.NewCollector(w, s)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	vals := gather(t, reg)
	for name, want := range map[string]float64{
		`tickroom_store_items_written_total{kind="chat"}`:   1,
		`tickroom_store_items_written_total{kind="match"}`:  0,
		`tickroom_store_items_written_total{kind="result"}`: 3,
		`tickroom_store_items_failed_total{kind="match"}`:   1,
		`tickroom_store_items_failed_total{kind="result"}`:  0,
		`tickroom_store_items_lost_total{kind="chat"}`:      1,
		`tickroom_store_items_lost_total{kind="result"}`:    0,
		`tickroom_store_retries_total{kind="result"}`:       0,
		`tickroom_store_queue_capacity`:                     100,
		`tickroom_store_queue_depth`:                        0,
		`tickroom_store_up`:                                 1,
	} {
		if got, ok := vals[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	for _, k := range []string{"result", "chat", "match"} {
		if n := vals[`tickroom_store_batch_seconds_count{kind="`+k+`"}`]; n < 1 {
			t.Errorf("%v batch latency samples of %s, want at least one", n, k)
		}
	}
	// Scrapes in a row share one Ping.
	before := s.pings.Load()
	for range 5 {
		gather(t, reg)
	}
	if n := s.pings.Load() - before; n > 1 {
		t.Errorf("%d Pings for 5 scrapes at once, want the cached one", n)
	}
	h := c.Health(ctx)
	if !h.Up || h.Backend != "unknown" || h.Writer == nil || h.Writer.Result.Written != 3 || h.QueueCap != 100 {
		t.Errorf("health: %+v", h)
	}
	if h.LastError == "" || !strings.Contains(h.LastError, "unknown player") {
		t.Errorf("health does not tell the Writer's last error: %+v", h)
	}
	if got := store.NewCollector(nil, s.Store).Health(ctx); got.Backend != "sqlite" || got.SchemaVersion < 2 || !got.Up {
		t.Errorf("health of the SQLite store itself: %+v", got)
	}
}

func TestCollectorStoreDown(t *testing.T) {
	ctx := context.Background()
	base := openT(t, filepath.Join(t.TempDir(), "tickroom.db"))
	defer base.Close()
	f := &failing{Store: base}
	w := store.NewWriter(f, store.WriterConfig{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	w.Result(store.Result{Game: "snake", Player: 1, At: time.Now()})
	deadline := time.Now().Add(10 * time.Second)
	for w.Stats().Result.Retries < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	c := store.NewCollector(w, f)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if got, ok := gather(t, reg)["tickroom_store_up"]; !ok || got != 0 {
		t.Errorf("tickroom_store_up %v (present %v) with the store down, want 0", got, ok)
	}
	h := c.Health(ctx)
	if h.Up || !strings.Contains(h.Error, "connection refused") || !strings.Contains(h.LastError, "connection refused") {
		t.Errorf("health with the store down: %+v", h)
	}
	if h.Writer.Queued+h.Writer.Retries == 0 {
		t.Errorf("health does not show the waiting result: %+v", h.Writer)
	}
	// Close gives up on the result the store never takes: it is lost.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := w.Close(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v", err)
	}
	if got := w.Stats().Result.Lost; got != 1 {
		t.Errorf("%d results lost, want 1", got)
	}
}

// gather scrapes reg into "name{label=\"value\"}" → value; a histogram
// gives its _count.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			suffix := ""
			if len(labels) > 0 {
				suffix = "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[name+suffix] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name+suffix] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[name+"_count"+suffix] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}
