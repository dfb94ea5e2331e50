package agones_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tickroom/tickroom/agones"
)

// call is one request the fake sidecar got.
type call struct {
	Method, Path, Body, ContentType string
	Status                          int // what the sidecar answered
	At                              time.Time
}

func (c call) String() string {
	return fmt.Sprintf("%s %s %s → %d", c.Method, c.Path, c.Body, c.Status)
}

// sidecar is a fake Agones SDK sidecar: it records every call, in order,
// and answers 200 unless fail says otherwise.
type sidecar struct {
	*httptest.Server

	mu    sync.Mutex
	calls []call
	fail  func(c call, n int) int // status for the n-th call (0-based); 0: 200
}

func newSidecar(t *testing.T, fail func(c call, n int) int) *sidecar {
	t.Helper()
	sc := &sidecar{fail: fail}
	sc.Server = httptest.NewServer(sc)
	t.Cleanup(sc.Close)
	return sc
}

func (sc *sidecar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c := call{Method: r.Method, Path: r.URL.Path, Body: string(b), ContentType: r.Header.Get("Content-Type"), At: time.Now()}
	sc.mu.Lock()
	c.Status = http.StatusOK
	if sc.fail != nil {
		if st := sc.fail(c, len(sc.calls)); st != 0 {
			c.Status = st
		}
	}
	sc.calls = append(sc.calls, c)
	sc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(c.Status)
	if c.Status != http.StatusOK {
		fmt.Fprintf(w, `{"code":14,"message":"fake failure %d","details":[]}`, c.Status)
		return
	}
	w.Write([]byte("{}"))
}

// all is every call so far.
func (sc *sidecar) all() []call {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return append([]call(nil), sc.calls...)
}

// accepted is every call answered 200, in order.
func (sc *sidecar) accepted() []call {
	var out []call
	for _, c := range sc.all() {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits for an accepted call at index from or later that matches,
// and returns its index among the accepted calls.
func (sc *sidecar) waitFor(t *testing.T, from int, what string, match func(call) bool) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		calls := sc.accepted()
		for i := from; i < len(calls); i++ {
			if match(calls[i]) {
				return i
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s after call %d within 10 s; calls:\n%s", what, from, dump(sc.all()))
	return -1
}

func dump(calls []call) string {
	var b strings.Builder
	for i, c := range calls {
		fmt.Fprintf(&b, "  %d: %s\n", i, c)
	}
	return b.String()
}

func is(method, path, body string) func(call) bool {
	return func(c call) bool { return c.Method == method && c.Path == path && (body == "" || c.Body == body) }
}

func counterIs(n int) func(call) bool {
	return is(http.MethodPatch, "/v1beta1/counters/rooms", fmt.Sprintf(`{"count":"%d"}`, n))
}

// logBuffer collects what the SDK logs, safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fast is a Config with short intervals, for sidecar URL u.
func fast(u string, log *logBuffer) agones.Config {
	return agones.Config{
		URL:            u,
		HealthInterval: 20 * time.Millisecond,
		RequestTimeout: time.Second,
		MinBackoff:     20 * time.Millisecond,
		MaxBackoff:     200 * time.Millisecond,
		Log:            log.logger(),
	}
}

func newSDK(t *testing.T, cfg agones.Config) *agones.SDK {
	t.Helper()
	sdk, err := agones.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Stop)
	return sdk
}

// TestLifecycle is the whole sequence: labels and Ready at start, health
// pings, the rooms counter following the rooms up and down (only when
// they changed), and Shutdown last.
func TestLifecycle(t *testing.T) {
	sc := newSidecar(t, nil)
	var log logBuffer
	var rooms atomic.Int64
	cfg := fast(sc.URL, &log)
	cfg.Labels = []agones.Label{{Key: "tickroom-node", Value: "pod-1"}, {Key: "tickroom-version", Value: "v1.2.0+dirty"}}
	cfg.Rooms = func() int { return int(rooms.Load()) }
	sdk := newSDK(t, cfg)
	ctx := context.Background()
	sdk.Start(ctx)
	sdk.Start(ctx) // does nothing: one goroutine, one Ready

	i := sc.waitFor(t, 0, "counter at 0", counterIs(0))
	for _, n := range []int{1, 2, 3, 2, 0} {
		rooms.Store(int64(n))
		i = sc.waitFor(t, i+1, fmt.Sprintf("counter at %d", n), counterIs(n))
	}
	// A few more beats with the rooms unchanged: health pings, no PATCH.
	beats := i
	for range 3 {
		beats = sc.waitFor(t, beats+1, "health ping", is(http.MethodPost, "/health", "{}"))
	}
	// A room that comes just before the end is counted before Shutdown.
	rooms.Store(1)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sdk.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	n := len(sc.all())
	time.Sleep(100 * time.Millisecond)
	calls := sc.accepted()
	if len(sc.all()) != n {
		t.Errorf("calls after Shutdown returned:\n%s", dump(sc.all()[n:]))
	}
	if len(calls) != len(sc.all()) {
		t.Errorf("calls refused by a sidecar that refuses none:\n%s", dump(sc.all()))
	}

	want := []string{
		`PUT /metadata/label {"key":"tickroom-node","value":"pod-1"}`,
		`PUT /metadata/label {"key":"tickroom-version","value":"v1.2.0_dirty"}`,
		`POST /ready {}`,
		`POST /health {}`,
	}
	for k, w := range want {
		if got := calls[k].Method + " " + calls[k].Path + " " + calls[k].Body; got != w {
			t.Errorf("call %d: %s, want %s", k, got, w)
		}
	}
	var counts []string
	readies := 0
	for _, c := range calls {
		if c.Path == "/ready" {
			readies++
		}
		if c.ContentType != "application/json" {
			t.Errorf("%s: Content-Type %q", c, c.ContentType)
		}
		switch c.Path {
		case "/v1beta1/counters/rooms":
			counts = append(counts, c.Body)
		case "/health", "/ready", "/shutdown":
			if c.Method != http.MethodPost || c.Body != "{}" {
				t.Errorf("%s: want POST with {}", c)
			}
		case "/metadata/label":
		default:
			t.Errorf("unexpected call %s", c)
		}
	}
	if got, want := strings.Join(counts, " "), `{"count":"0"} {"count":"1"} {"count":"2"} {"count":"3"} {"count":"2"} {"count":"0"} {"count":"1"}`; got != want {
		t.Errorf("counter updates %s,\nwant %s", got, want)
	}
	if readies != 1 {
		t.Errorf("%d Ready calls, want 1", readies)
	}
	if last := calls[len(calls)-1]; last.Method != http.MethodPost || last.Path != "/shutdown" {
		t.Errorf("last call %s, want POST /shutdown", last)
	}
	if strings.Contains(log.String(), "level=WARN") {
		t.Errorf("warnings with a sidecar that takes every call:\n%s", log.String())
	}
}

// reservePort returns a loopback address nothing listens on.
func reservePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestSidecarStartsLate: the sidecar refuses connections for a second, as
// one that starts after the server does; the SDK retries until it gets
// through, in order.
func TestSidecarStartsLate(t *testing.T) {
	addr := reservePort(t)
	var log logBuffer
	cfg := fast("http://"+addr, &log)
	cfg.Labels = []agones.Label{{Key: "tickroom-version", Value: "dev"}}
	sdk := newSDK(t, cfg)
	began := time.Now()
	sdk.Start(context.Background())
	time.Sleep(time.Second)

	sc := &sidecar{}
	var ln net.Listener
	var err error
	for try := 0; try < 50; try++ { // the port may linger a moment
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	sc.Server = httptest.NewUnstartedServer(sc)
	sc.Listener.Close()
	sc.Listener = ln
	sc.Start()
	t.Cleanup(sc.Close)

	i := sc.waitFor(t, 0, "ready", is(http.MethodPost, "/ready", "{}"))
	sc.waitFor(t, i+1, "health ping", is(http.MethodPost, "/health", "{}"))
	calls := sc.accepted()
	if calls[0].Path != "/metadata/label" || calls[0].Body != `{"key":"tickroom-version","value":"dev"}` || i != 1 {
		t.Errorf("calls do not start with the label, then ready:\n%s", dump(calls))
	}
	if took := calls[0].At.Sub(began); took < time.Second {
		t.Errorf("first call went through after %v, before the sidecar listened", took)
	}
	for _, want := range []string{"sidecar not reachable yet, retrying", "connection refused", "sidecar reached", "agones: ready"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, log.String())
		}
	}
	// 1 s of refused connections with backoff from 20 ms to 200 ms is a
	// handful of attempts, not a busy loop.
	if n := strings.Count(log.String(), "retrying"); n < 4 || n > 30 {
		t.Errorf("%d attempts in the second the sidecar was down", n)
	}
	sdk.Stop()
}

// TestSidecarUnavailableAtFirst: a sidecar that answers 503 to its first
// calls (not connected to Kubernetes yet) gets each call again, with a
// growing wait, until it takes it.
func TestSidecarUnavailableAtFirst(t *testing.T) {
	const failures = 5
	sc := newSidecar(t, func(_ call, n int) int {
		if n < failures {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	var log logBuffer
	cfg := fast(sc.URL, &log)
	cfg.Labels = []agones.Label{{Key: "tickroom-node", Value: "n1"}}
	sdk := newSDK(t, cfg)
	sdk.Start(context.Background())
	sc.waitFor(t, 0, "ready", is(http.MethodPost, "/ready", "{}"))
	all := sc.all()
	for k := range failures {
		if all[k].Path != "/metadata/label" || all[k].Status != http.StatusServiceUnavailable {
			t.Fatalf("call %d: %s, want the label refused with 503:\n%s", k, all[k], dump(all))
		}
	}
	if all[failures].Path != "/metadata/label" || all[failures].Status != http.StatusOK {
		t.Fatalf("call %d: %s, want the label taken:\n%s", failures, all[failures], dump(all))
	}
	// Backoff from 20 ms doubling (jittered over the upper half): at
	// least 10+20+40+80+100 ms between the first attempt and the sixth.
	if gap := all[failures].At.Sub(all[0].At); gap < 250*time.Millisecond {
		t.Errorf("%d attempts within %v: no backoff", failures+1, gap)
	}
	for k := 2; k < failures; k++ {
		if all[k].At.Sub(all[k-1].At) < 10*time.Millisecond {
			t.Errorf("attempts %d and %d %v apart", k-1, k, all[k].At.Sub(all[k-1].At))
		}
	}
	if !strings.Contains(log.String(), "fake failure 503") {
		t.Errorf("log does not show the sidecar's message:\n%s", log.String())
	}
	sdk.Stop()
}

// TestContextEndsLoops: cancelling Start's context stops the goroutine,
// while it pings and while it still retries Ready.
func TestContextEndsLoops(t *testing.T) {
	t.Run("pinging", func(t *testing.T) {
		sc := newSidecar(t, nil)
		var log logBuffer
		sdk := newSDK(t, fast(sc.URL, &log))
		ctx, cancel := context.WithCancel(context.Background())
		sdk.Start(ctx)
		i := sc.waitFor(t, 0, "health ping", is(http.MethodPost, "/health", "{}"))
		sc.waitFor(t, i+1, "health ping", is(http.MethodPost, "/health", "{}"))
		cancel()
		stopped := make(chan struct{})
		go func() { sdk.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(2 * time.Second):
			t.Fatal("Stop did not return after the context ended")
		}
		n := len(sc.all())
		time.Sleep(100 * time.Millisecond)
		if got := len(sc.all()); got != n {
			t.Errorf("%d calls after the context ended", got-n)
		}
	})
	t.Run("retrying", func(t *testing.T) {
		var log logBuffer
		cfg := fast("http://"+reservePort(t), &log)
		cfg.MinBackoff, cfg.MaxBackoff = time.Second, 5*time.Second
		sdk := newSDK(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		sdk.Start(ctx)
		time.Sleep(50 * time.Millisecond) // into the first backoff
		began := time.Now()
		cancel()
		sdk.Stop()
		if took := time.Since(began); took > 500*time.Millisecond {
			t.Errorf("Stop took %v while Ready was being retried", took)
		}
	})
}

// TestShutdownBoundedByContext: with no sidecar, Shutdown gives up when
// its context ends, not later.
func TestShutdownBoundedByContext(t *testing.T) {
	var log logBuffer
	sdk := newSDK(t, fast("http://"+reservePort(t), &log))
	sdk.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := sdk.Shutdown(ctx)
	took := time.Since(began)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "shutdown") {
		t.Errorf("Shutdown: %v, want the deadline, naming shutdown", err)
	}
	if took > time.Second {
		t.Errorf("Shutdown took %v with a 300 ms context", took)
	}
}

// TestCounterRefused: a count the sidecar refuses for good (4xx: beyond
// the counter's capacity) is not sent again until the rooms change; a
// failure that may pass (5xx: the counter is not declared, which the
// sidecar answers with 500) is tried on every tick. Each logs one warning.
func TestCounterRefused(t *testing.T) {
	var status atomic.Int64
	status.Store(http.StatusBadRequest)
	sc := newSidecar(t, func(c call, _ int) int {
		if c.Method == http.MethodPatch {
			return int(status.Load())
		}
		return 0
	})
	var log logBuffer
	var rooms atomic.Int64
	rooms.Store(7)
	cfg := fast(sc.URL, &log)
	cfg.Rooms = func() int { return int(rooms.Load()) }
	sdk := newSDK(t, cfg)
	sdk.Start(context.Background())
	patches := func(body string) int {
		n := 0
		for _, c := range sc.all() {
			if c.Method == http.MethodPatch && c.Body == body {
				n++
			}
		}
		return n
	}
	i := sc.waitFor(t, 0, "health ping", is(http.MethodPost, "/health", "{}"))
	for range 5 {
		i = sc.waitFor(t, i+1, "health ping", is(http.MethodPost, "/health", "{}"))
	}
	if n := patches(`{"count":"7"}`); n != 1 {
		t.Errorf("a count refused with 400 was sent %d times, want once", n)
	}
	status.Store(http.StatusInternalServerError)
	rooms.Store(8)
	for range 5 {
		i = sc.waitFor(t, i+1, "health ping", is(http.MethodPost, "/health", "{}"))
	}
	if n := patches(`{"count":"8"}`); n < 3 {
		t.Errorf("a count refused with 500 was sent %d times in 5 ticks, want one a tick", n)
	}
	status.Store(0)
	sc.waitFor(t, 0, "counter at 8", counterIs(8))
	sdk.Stop()
	out := log.String()
	if n := strings.Count(out, "counter not updated"); n != 1 {
		t.Errorf("%d warnings for one run of failures, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "counter updated again") {
		t.Errorf("log does not say the counter recovered:\n%s", out)
	}
}

// TestHealthFailures: failed pings are logged when they start failing and
// when they get through again, not on every tick.
func TestHealthFailures(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	sc := newSidecar(t, func(c call, _ int) int {
		if c.Path == "/health" && down.Load() {
			return http.StatusServiceUnavailable
		}
		return 0
	})
	var log logBuffer
	sdk := newSDK(t, fast(sc.URL, &log))
	sdk.Start(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for len(sc.all()) < 6 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	down.Store(false)
	sc.waitFor(t, 0, "health ping", is(http.MethodPost, "/health", "{}"))
	sdk.Stop()
	out := log.String()
	if n := strings.Count(out, "health ping failed"); n != 1 {
		t.Errorf("%d health warnings, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "health pings get through again") {
		t.Errorf("log does not say the pings recovered:\n%s", out)
	}
}

// TestReadyRefused: a 4xx on Ready is final, logged as an error, and the
// health pings start anyway.
func TestReadyRefused(t *testing.T) {
	sc := newSidecar(t, func(c call, _ int) int {
		if c.Path == "/ready" {
			return http.StatusBadRequest
		}
		return 0
	})
	var log logBuffer
	sdk := newSDK(t, fast(sc.URL, &log))
	sdk.Start(context.Background())
	sc.waitFor(t, 0, "health ping", is(http.MethodPost, "/health", "{}"))
	sdk.Stop()
	n := 0
	for _, c := range sc.all() {
		if c.Path == "/ready" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Ready refused with 400 sent %d times, want once", n)
	}
	if !strings.Contains(log.String(), "level=ERROR") || !strings.Contains(log.String(), "ready refused") {
		t.Errorf("log does not show the refusal as an error:\n%s", log.String())
	}
}

func TestURLFromEnv(t *testing.T) {
	for env, want := range map[string]string{
		"":      "http://localhost:9358",
		"  ":    "http://localhost:9358",
		"59358": "http://localhost:59358",
		"0":     "error",
		"70000": "error",
		"port":  "error",
	} {
		got, err := agones.URLFromEnv(func(k string) string {
			if k != agones.PortEnv {
				t.Errorf("read %s, want %s", k, agones.PortEnv)
			}
			return env
		})
		if err != nil {
			if want != "error" || !strings.Contains(err.Error(), agones.PortEnv) {
				t.Errorf("%q: %v, want %s", env, err, want)
			}
			continue
		}
		if got != want {
			t.Errorf("%q: %s, want %s", env, got, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]agones.Config{
		"no url":          {},
		"not http":        {URL: "localhost:9358"},
		"bad label key":   {URL: "http://localhost:9358", Labels: []agones.Label{{Key: "a/b"}}},
		"label key end":   {URL: "http://localhost:9358", Labels: []agones.Label{{Key: "node-"}}},
		"long label key":  {URL: "http://localhost:9358", Labels: []agones.Label{{Key: strings.Repeat("k", 60)}}},
		"counter path":    {URL: "http://localhost:9358", Counter: "a/b"},
		"negative period": {URL: "http://localhost:9358", HealthInterval: -time.Second},
	} {
		if _, err := agones.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := agones.New(agones.Config{URL: "http://localhost:9358", Labels: []agones.Label{{Key: strings.Repeat("k", 59)}}}); err != nil {
		t.Errorf("a 59-byte key: %v", err)
	}
}

func TestLabelValue(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"dev":                          "dev",
		"v1.2.0-3-gabcdef":             "v1.2.0-3-gabcdef",
		"v1.2.0+dirty":                 "v1.2.0_dirty",
		"-x-":                          "x",
		"pod/name with spaces":         "pod_name_with_spaces",
		"é":                            "",
		strings.Repeat("a", 70):        strings.Repeat("a", 63),
		strings.Repeat("a", 62) + "-b": strings.Repeat("a", 62),
	} {
		if got := agones.LabelValue(in); got != want {
			t.Errorf("LabelValue(%q) = %q, want %q", in, got, want)
		}
	}
}
