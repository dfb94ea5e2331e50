package scrape_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/bench/scrape"
)

func parseFixture(t *testing.T) *scrape.Sample {
	t.Helper()
	f, err := os.Open("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := scrape.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValues(t *testing.T) {
	t.Parallel()
	s := parseFixture(t)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"process_cpu_seconds_total", nil, 12.5},
		{"go_goroutines", nil, 436},
		{"tickroom_players", []string{"state", "connected"}, 197},
		{"tickroom_players", nil, 200}, // every series summed
		{"tickroom_connections_closed_total", []string{"code", "ping_timeout"}, 2},
		{"no_such_metric", nil, 0},
	} {
		if got := s.Value(c.name, c.labels...); got != c.want {
			t.Errorf("Value(%s, %v) = %g, want %g", c.name, c.labels, got, c.want)
		}
	}
	if !s.Has("go_goroutines") || s.Has("no_such_metric") {
		t.Error("Has is wrong")
	}
	codes := s.ByLabel("tickroom_connections_closed_total", "code")
	if got := fmt.Sprint(codes); got != "map[normal:10 ping_timeout:2 too_slow:0]" {
		t.Errorf("ByLabel = %s", got)
	}
}

func TestHistogramAndSummary(t *testing.T) {
	t.Parallel()
	s := parseFixture(t)
	h := s.Histogram("tickroom_room_step_seconds")
	if h.Count != 100 || h.Sum != 0.12 || len(h.Bounds) != 3 {
		t.Fatalf("histogram %+v", h)
	}
	if got, want := h.Mean(), 0.0012; math.Abs(got-want) > 1e-12 {
		t.Errorf("mean %g, want %g", got, want)
	}
	sum := s.Summary("go_gc_duration_seconds")
	if sum.Count != 52 || sum.Quantiles[1] != 0.00031 {
		t.Errorf("summary %+v", sum)
	}
}

func TestFetch(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer hs.Close()
	hc := hs.Client()
	defer hc.CloseIdleConnections()
	s, err := scrape.Fetch(context.Background(), hc, hs.URL+"/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if s.At.IsZero() || s.Value("go_goroutines") != 436 {
		t.Errorf("fetched sample wrong: at %v, goroutines %g", s.At, s.Value("go_goroutines"))
	}
	if _, err := scrape.Fetch(context.Background(), hc, hs.URL+"/nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("fetching a 404: err %v", err)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := scrape.Parse(strings.NewReader("this is { not metrics\n")); err == nil {
		t.Error("garbage parsed without error")
	}
}
