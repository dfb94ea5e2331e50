// Package agones tells the Agones SDK sidecar about a tickroom server, over
// the sidecar's REST API (its HTTP gateway) with net/http: labels and Ready
// once the server serves, a health ping every 2 s, a Counter kept in step
// with the rooms the server hosts, and Shutdown after the drain.
//
// The paths, methods and bodies follow the Agones sources: the HTTP
// options of Ready, Health, Shutdown and SetLabel (body KeyValue) in
// https://github.com/googleforgames/agones/blob/main/proto/sdk/sdk.proto,
// UpdateCounter (body CounterUpdateRequest, count an Int64Value) in
// https://github.com/googleforgames/agones/blob/main/proto/sdk/beta/beta.proto,
// and the REST guide https://agones.dev/site/docs/guides/client-sdks/rest/,
// whose examples send int64 fields as JSON strings:
//
//	POST  /ready                    {}
//	POST  /health                   {}
//	PUT   /metadata/label           {"key": "tickroom-version", "value": "v1.2.0"}
//	PATCH /v1beta1/counters/rooms   {"count": "3"}
//	POST  /shutdown                 {}
//
// The sidecar listens on localhost at the port in AGONES_SDK_HTTP_PORT
// (9358 by default), and may start after the game server: every call is
// retried with exponential backoff and jitter while the sidecar refuses
// connections or answers 5xx, for as long as the caller's context allows.
package agones

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The sidecar's address and the defaults of Config.
const (
	// PortEnv is the variable Agones sets in the game server's container
	// to the port of the sidecar's REST API.
	PortEnv = "AGONES_SDK_HTTP_PORT"
	// DefaultPort is the port when PortEnv is not set.
	DefaultPort = 9358
	// DefaultHealthInterval is how often a health ping is sent. Agones
	// marks a GameServer Unhealthy after spec.health.failureThreshold
	// periods (3 × 5 s by default) without one.
	DefaultHealthInterval = 2 * time.Second
	// DefaultCounter is the Counter that holds the number of rooms, as
	// declared in the GameServer's spec.counters.
	DefaultCounter = "rooms"
	// DefaultRequestTimeout bounds one attempt of one call.
	DefaultRequestTimeout = 2 * time.Second
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait between two
	// attempts of a call that failed (before jitter).
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 2 * time.Second

	// LabelPrefix is what the sidecar puts before every label key.
	LabelPrefix = "agones.dev/sdk-"
)

// URLFromEnv is the sidecar's base URL, http://localhost:PORT, with PORT
// from AGONES_SDK_HTTP_PORT as getenv (os.Getenv) returns it, or 9358 when
// it is unset or empty.
func URLFromEnv(getenv func(string) string) (string, error) {
	port := DefaultPort
	if v := strings.TrimSpace(getenv(PortEnv)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("agones: %s=%q: want a port, 1..65535", PortEnv, v)
		}
		port = n
	}
	return "http://" + net.JoinHostPort("localhost", strconv.Itoa(port)), nil
}

// Label is a label set on the GameServer (its key gets LabelPrefix).
type Label struct {
	Key, Value string
}

// Config is what New needs. Only URL is required.
type Config struct {
	// URL is the sidecar's REST API, e.g. http://localhost:9358
	// (URLFromEnv).
	URL string
	// Labels are set, in order, before Ready. A key must be a valid
	// Kubernetes label name once prefixed with "sdk-": letters, digits,
	// '-', '_' and '.', ending in a letter or a digit, at most 59 bytes.
	// A value is made valid with LabelValue.
	Labels []Label
	// Rooms, if set, is the number of rooms the server hosts; it is read
	// on every health tick and the Counter is set when it changed.
	Rooms func() int
	// Counter is the Counter's name; DefaultCounter when empty.
	Counter string
	// HealthInterval is the time between health pings;
	// DefaultHealthInterval when zero.
	HealthInterval time.Duration
	// RequestTimeout bounds one attempt; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts;
	// DefaultMinBackoff and DefaultMaxBackoff when zero.
	MinBackoff, MaxBackoff time.Duration
	// HTTPClient makes the calls; a client of its own, without proxy,
	// when nil.
	HTTPClient *http.Client
	// Log gets the client's lines; nothing is logged when nil.
	Log *slog.Logger
}

// SDK talks to one sidecar. Start runs its goroutine; Shutdown or Stop ends
// it. A server calls them in that order, from one goroutine.
type SDK struct {
	base     string
	labels   []Label
	rooms    func() int
	counter  string
	interval time.Duration
	timeout  time.Duration
	minWait  time.Duration
	maxWait  time.Duration
	hc       *http.Client
	log      *slog.Logger

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}

	// Owned by the goroutine, then by Shutdown once the goroutine is
	// gone.
	sent    int64 // the count the sidecar last accepted; -1 before
	refused int64 // a count the sidecar refused with 4xx; -1 for none
	failing bool  // the last counter update failed (logged once a run)
}

// labelName is a Kubernetes label name (the part after the prefix's '/').
var labelName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)

// New checks cfg and returns an SDK that has sent nothing yet.
func New(cfg Config) (*SDK, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("agones: URL %q: want http://host:port", cfg.URL)
	}
	for _, l := range cfg.Labels {
		if name := "sdk-" + l.Key; len(name) > 63 || !labelName.MatchString(name) {
			return nil, fmt.Errorf("agones: label key %q: want letters, digits, '-', '_' or '.', ending in a letter or digit, at most 59 bytes", l.Key)
		}
	}
	if cfg.HealthInterval < 0 || cfg.RequestTimeout < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 {
		return nil, errors.New("agones: negative interval, timeout or backoff")
	}
	s := &SDK{
		base:     strings.TrimRight(cfg.URL, "/"),
		rooms:    cfg.Rooms,
		counter:  cmp(cfg.Counter, DefaultCounter),
		interval: cmp(cfg.HealthInterval, DefaultHealthInterval),
		timeout:  cmp(cfg.RequestTimeout, DefaultRequestTimeout),
		minWait:  cmp(cfg.MinBackoff, DefaultMinBackoff),
		maxWait:  cmp(cfg.MaxBackoff, DefaultMaxBackoff),
		hc:       cfg.HTTPClient,
		log:      cfg.Log,
		sent:     -1,
		refused:  -1,
	}
	if s.maxWait < s.minWait {
		s.maxWait = s.minWait
	}
	if !labelName.MatchString(s.counter) || strings.ContainsAny(s.counter, "/.") {
		return nil, fmt.Errorf("agones: counter name %q: want letters, digits, '-' or '_'", s.counter)
	}
	for _, l := range cfg.Labels {
		s.labels = append(s.labels, Label{Key: l.Key, Value: LabelValue(l.Value)})
	}
	if s.hc == nil {
		// The sidecar is on localhost: never through a proxy.
		s.hc = &http.Client{Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: s.timeout}).DialContext,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     30 * time.Second,
		}}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// cmp is v, or def when v is the zero value.
func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// LabelValue makes s a valid Kubernetes label value: at most 63 bytes of
// letters, digits, '-', '_' and '.', beginning and ending with a letter or
// a digit (or empty). Other bytes become '_': a version "v1.2.0+dirty" is
// "v1.2.0_dirty".
func LabelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	for len(b) > 0 && !alnum(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && !alnum(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return string(b)
}

// Start runs the SDK's goroutine: it sets the labels, sends Ready (each
// retried until the sidecar takes it), then every health interval sends a
// health ping and sets the Counter to Rooms() when that changed. Call it
// once the server serves. The goroutine runs until ctx ends, or Stop or
// Shutdown; a server passes a context that outlives its drain (not the
// signal's), so that health pings go on while rooms drain. Only the first
// call starts anything.
func (s *SDK) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		s.run(ctx)
	}()
}

// Stop ends the goroutine and waits for it, without telling the sidecar:
// for a server that exits on an error. It may be called more than once.
func (s *SDK) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	s.hc.CloseIdleConnections()
}

// Shutdown ends the goroutine, sets the Counter a last time if the rooms
// changed (one attempt), then sends Shutdown, retried until the sidecar
// takes it or ctx ends. Call it after the drain: Agones then deletes the
// GameServer.
func (s *SDK) Shutdown(ctx context.Context) error {
	s.Stop()
	defer s.hc.CloseIdleConnections()
	if s.sent >= 0 { // not when the sidecar never took a count
		s.syncRooms(ctx)
	}
	if err := s.retry(ctx, "shutdown", func(ctx context.Context) error {
		return s.call(ctx, http.MethodPost, "/shutdown", struct{}{})
	}); err != nil {
		return err
	}
	s.log.Info("agones: shutdown sent")
	return nil
}

func (s *SDK) run(ctx context.Context) {
	for _, l := range s.labels {
		// sdk.proto's KeyValue, whose JSON names are key and value.
		body := struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		}{l.Key, l.Value}
		err := s.retry(ctx, "set label", func(ctx context.Context) error {
			return s.call(ctx, http.MethodPut, "/metadata/label", body)
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.log.Warn("agones: label not set", "key", LabelPrefix+l.Key, "err", err)
		}
	}
	err := s.retry(ctx, "ready", func(ctx context.Context) error {
		return s.call(ctx, http.MethodPost, "/ready", struct{}{})
	})
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		s.log.Error("agones: ready refused", "err", err)
	} else {
		s.log.Info("agones: ready", "sidecar", s.base)
	}
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	healthy := true
	for {
		err := s.call(ctx, http.MethodPost, "/health", struct{}{})
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil && healthy:
			s.log.Warn("agones: health ping failed", "err", err)
		case err == nil && !healthy:
			s.log.Info("agones: health pings get through again")
		}
		healthy = err == nil
		s.syncRooms(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// syncRooms sets the Counter to the number of rooms when it differs from
// what the sidecar last accepted, in one attempt: a failure is tried again
// on the next tick, except a count the sidecar refused (4xx: out of range,
// say), tried again only once the count changes.
func (s *SDK) syncRooms(ctx context.Context) {
	if s.rooms == nil || ctx.Err() != nil {
		return
	}
	n := int64(s.rooms())
	if n == s.sent || n == s.refused {
		return
	}
	// beta.proto's CounterUpdateRequest: count is an Int64Value, which
	// protojson writes as a string (the REST guide sends {"count": "5"});
	// the name comes from the path.
	body := struct {
		Count int64 `json:"count,string"`
	}{n}
	err := s.call(ctx, http.MethodPatch, "/v1beta1/counters/"+s.counter, body)
	if err == nil {
		if s.failing {
			s.log.Info("agones: counter updated again", "counter", s.counter, "count", n)
		}
		s.sent, s.refused, s.failing = n, -1, false
		return
	}
	if ctx.Err() != nil {
		return
	}
	if !retryable(err) {
		s.refused = n
	}
	if !s.failing {
		s.log.Warn("agones: counter not updated", "counter", s.counter, "count", n, "err", err)
	}
	s.failing = true
}

// StatusError is an answer of the sidecar other than 2xx.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string // the start of the body, the gateway's error message
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// retryable tells whether a failed call may succeed later: the sidecar
// not (yet) listening or too slow, or a 5xx or 429 answer. A 4xx answer
// is final. (The sidecar's plain errors, "counter not found" among them,
// are gRPC Unknown, which its gateway answers with 500: see UpdateCounter
// in agones' pkg/sdkserver/sdkserver.go.)
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == http.StatusTooManyRequests
	}
	return true
}

// slowSidecar is how long retries go on before a warning says so.
const slowSidecar = 30 * time.Second

// retry runs call until it succeeds, fails for good, or ctx ends, waiting
// between attempts an exponential backoff with jitter. The first failure
// is logged at info level, a warning follows if the sidecar is still not
// reached after 30 s, and the other failures are logged at debug level.
func (s *SDK) retry(ctx context.Context, op string, call func(context.Context) error) error {
	wait := s.minWait
	began, warned := time.Now(), false
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			if attempt > 1 {
				s.log.Info("agones: sidecar reached", "op", op, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("agones: %s: %w (last error: %v)", op, context.Cause(ctx), err)
		}
		if !retryable(err) {
			return fmt.Errorf("agones: %s: %w", op, err)
		}
		level, msg := slog.LevelDebug, "agones: sidecar not reachable yet, retrying"
		switch {
		case attempt == 1:
			level = slog.LevelInfo
		case !warned && time.Since(began) >= slowSidecar:
			level, msg, warned = slog.LevelWarn, "agones: sidecar still not reachable, retrying", true
		}
		s.log.Log(ctx, level, msg, "op", op, "attempt", attempt, "since", time.Since(began).Round(time.Millisecond), "err", err)
		// Full jitter over the upper half: between wait/2 and wait.
		d := wait/2 + rand.N(wait/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("agones: %s: %w (last error: %v)", op, context.Cause(ctx), err)
		case <-t.C:
		}
		wait = min(wait*2, s.maxWait)
	}
}

// call makes one request with a JSON body and checks that it got 2xx.
func (s *SDK) call(ctx context.Context, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so that the connection is reused
	if resp.StatusCode/100 != 2 {
		return &StatusError{Method: method, Path: path, Status: resp.StatusCode,
			Body: strings.Join(strings.Fields(string(msg)), " ")}
	}
	return nil
}
