package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	web "github.com/tickroom/tickroom/clients/web"
	"github.com/tickroom/tickroom/netcode"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	for _, p := range web.Patterns {
		mux.Handle(p, h)
	}
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesBuiltGame(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"index.html":           {Data: []byte(`<!doctype html><script type="module" src="/assets/app-X1.js"></script>`)},
		"assets/app-X1.js":     {Data: []byte(`console.log("hi")`)},
		"assets/style-Y2.css":  {Data: []byte(`body{}`)},
		"assets/favicon.svg":   {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/sub/inner.txt": {Data: []byte(`x`)},
	}
	h := web.NewHandler(fsys, web.Options{})

	res := get(t, h, "/")
	if res.StatusCode != 200 || !strings.Contains(body(t, res), "app-X1.js") {
		t.Fatalf("GET /: status %d, want 200 with the index", res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("GET /: Content-Type %q, want text/html", got)
	}
	if got := res.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("GET /: Cache-Control %q, want no-cache", got)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("GET /: Content-Security-Policy %q, want scripts from the server only", csp)
	}
	if !strings.Contains(csp, "connect-src 'self' ws://example.com wss://example.com;") {
		t.Errorf("GET /: Content-Security-Policy %q, want the page's WebSocket origin", csp)
	}
	req := get(t, h, "/", "Host", "evil.com; script-src *")
	if got := req.Header.Get("Content-Security-Policy"); !strings.Contains(got, "connect-src 'self';") {
		t.Errorf("a strange Host header went into the policy: %q", got)
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /: no ETag")
	}
	if res := get(t, h, "/", "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
		t.Errorf("GET / with its ETag: status %d, want 304", res.StatusCode)
	}

	res = get(t, h, "/assets/app-X1.js")
	if res.StatusCode != 200 || body(t, res) != `console.log("hi")` {
		t.Fatalf("GET /assets/app-X1.js: status %d", res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); !strings.Contains(got, "javascript") {
		t.Errorf("script Content-Type %q", got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("hashed asset Cache-Control %q, want immutable", got)
	}
	if got := get(t, h, "/assets/favicon.svg").Header.Get("Cache-Control"); strings.Contains(got, "immutable") {
		t.Errorf("favicon (no hash in its name) Cache-Control %q, want revalidation", got)
	}

	for _, path := range []string{"/assets/", "/assets/sub/", "/assets/nope.js", "/assets/../index.html", "/index.html", "/other"} {
		res := get(t, h, path)
		if res.StatusCode == http.StatusOK || res.StatusCode >= 500 {
			t.Errorf("GET %s: status %d, want 404 (or the mux's clean-path redirect)", path, res.StatusCode)
		}
	}
}

func TestHandlerFallsBackWithoutBuild(t *testing.T) {
	t.Parallel()
	h := web.NewHandler(fstest.MapFS{".keep": {Data: nil}}, web.Options{})
	res := get(t, h, "/")
	if res.StatusCode != 200 {
		t.Fatalf("GET /: status %d, want 200", res.StatusCode)
	}
	if b := body(t, res); !strings.Contains(b, "make build") || !strings.Contains(b, netcode.Subprotocol) {
		t.Errorf("fallback page does not say how to build the game:\n%s", b)
	}
	if res := get(t, h, "/assets/app.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /assets/app.js without a build: status %d, want 404", res.StatusCode)
	}
}

// TestEmbedded checks the handler over what this binary embeds: the game
// when scripts/web.sh ran before go build, the fallback page otherwise.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	res := get(t, web.Handler(web.Options{}), "/")
	b := body(t, res)
	if res.StatusCode != 200 {
		t.Fatalf("GET /: status %d", res.StatusCode)
	}
	if web.Built() != strings.Contains(b, `<canvas id="board"`) {
		t.Errorf("Built() = %v, but the page served is:\n%.300s", web.Built(), b)
	}
}

func TestMount(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	web.Mount(mux, web.Options{})
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/ws", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("GET /ws after Mount: status %d, want the /ws handler's", rec.Code)
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		t.Errorf("GET / after Mount: status %d", rec.Code)
	}
}

// TestPolicyNamesThePeers: in a cluster the page may open WebSockets on
// the other nodes (a room there is joined through a redirect); a peer that
// is not a plain host stays out of the policy.
func TestPolicyNamesThePeers(t *testing.T) {
	fsys := fstest.MapFS{"index.html": {Data: []byte(`<!doctype html>`)}}
	h := web.NewHandler(fsys, web.Options{Peers: func() []string { return []string{"node-b:8080", "bad host; script-src *"} }})
	csp := get(t, h, "/").Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' ws://example.com wss://example.com ws://node-b:8080 wss://node-b:8080;") {
		t.Errorf("Content-Security-Policy %q, want the page's host and node-b's", csp)
	}
	if strings.Contains(csp, "bad host") {
		t.Errorf("a strange peer went into the policy: %q", csp)
	}
}
