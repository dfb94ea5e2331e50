// Package web serves the browser Snake game, built from this directory's
// npm project into dist/ and embedded in the binary at compile time.
//
// Build the bundle before the Go binary (make build does: scripts/web.sh,
// then go build). A binary built without it still compiles and serves a page
// that says how to build the game, because dist/.keep is committed.
//
//	web.Mount(srv) // srv.Handle("GET /{$}", ...) and srv.Handle("GET /assets/", ...)
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

//go:embed fallback.html
var fallbackPage []byte

// Patterns are the routes Handler serves, for an http.ServeMux: the page
// and its assets, nothing that could shadow /ws, /api/ or /metrics.
var Patterns = []string{"GET /{$}", "GET /assets/"}

// Mux is what Mount needs: lobby.Server and http.ServeMux have it.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Options tune the game's handler.
type Options struct {
	// Peers, when set, returns the host[:port] of the other servers the
	// page may open WebSockets on (a cluster's nodes: a room there is
	// joined by following a redirect), added to the page's
	// Content-Security-Policy next to its own host.
	Peers func() []string
}

// Mount serves the embedded game on m at Patterns.
func Mount(m Mux, opts Options) {
	h := Handler(opts)
	for _, p := range Patterns {
		m.Handle(p, h)
	}
}

// Built reports whether the binary embeds a built game rather than the
// fallback page.
func Built() bool {
	return built(distFS())
}

// Handler serves the embedded game, or the fallback page when the binary
// was built without it.
func Handler(opts Options) http.Handler {
	return NewHandler(distFS(), opts)
}

func distFS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: cannot happen
	}
	return sub
}

func built(fsys fs.FS) bool {
	_, err := fs.Stat(fsys, "index.html")
	return err == nil
}

// NewHandler serves a built game from fsys (the contents of dist/): "/" is
// index.html, revalidated on every visit; "/assets/..." are files whose
// names carry a content hash, cached for a year. Without index.html in
// fsys, "/" is the fallback page and assets are not found.
func NewHandler(fsys fs.FS, opts Options) http.Handler {
	index, err := fs.ReadFile(fsys, "index.html")
	ok := err == nil
	sum := sha256.Sum256(index)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		switch {
		case r.URL.Path == "/" && !ok:
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			h.Set("Content-Type", "text/html; charset=utf-8")
			w.Write(fallbackPage)
		case r.URL.Path == "/":
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Security-Policy", pagePolicy(r.Host, opts.peers()))
			h.Set("ETag", etag)
			h.Set("Content-Type", "text/html; charset=utf-8")
			http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
		case strings.HasPrefix(r.URL.Path, "/assets/") && ok:
			name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
			if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
				http.NotFound(w, r)
				return
			}
			if path.Base(name) != "favicon.svg" {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			files.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// pagePolicy lets the game load only its own script and style and talk
// only to its own server: text from other players can never run as code.
// The WebSocket origin is named as well as 'self', which older browsers do
// not match with ws: and wss:.
func pagePolicy(host string, peers []string) string {
	connect := "'self'"
	for _, h := range append([]string{host}, peers...) {
		if validHost(h) {
			connect += " ws://" + h + " wss://" + h
		}
	}
	return "default-src 'self'; connect-src " + connect + "; img-src 'self' data:; style-src 'self'; " +
		"script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
}

func (o Options) peers() []string {
	if o.Peers == nil {
		return nil
	}
	return o.Peers()
}

// validHost reports whether a Host header is plain enough to go into a
// header value: letters, digits and . - : [ ] only.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
		if !ok {
			return false
		}
	}
	return true
}
