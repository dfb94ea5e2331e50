package admin

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tickroom/tickroom/store"
)

// Option adds to the admin view what the server has beyond its rooms.
type Option func(*view)

// StoreHealth is what the view reads of the server's store
// (store.Collector): health checks that cost a round trip at most every
// few seconds, however often the page polls.
type StoreHealth interface {
	Health(ctx context.Context) store.Health
}

// WithStore shows the store's health in the view: backend, up or down
// with the last error, schema version and the Writer's counts.
func WithStore(h StoreHealth) Option { return func(v *view) { v.store = h } }

// WithRecordings lists the recordings in dir (tickroom serve --record
// names them <room>.rec) at GET /admin/api/recordings and serves each at
// GET /admin/recordings/<name>, behind the token like the rest.
func WithRecordings(dir string) Option { return func(v *view) { v.recordDir = dir } }

// Recording is one file of the --record directory.
type Recording struct {
	Name     string    `json:"name"` // the file's name: <room>.rec
	Room     string    `json:"room"`
	Bytes    int64     `json:"bytes"`
	Modified time.Time `json:"modified"`
	// Live: the room is still running, so the file is still growing.
	Live bool `json:"live"`
}

// Recordings is what /admin/api/recordings returns: the newest first, at
// most maxRecordings of Total.
type Recordings struct {
	Recordings []Recording `json:"recordings"`
	Total      int         `json:"total"`
}

// maxRecordings bounds one listing: a directory of a year of matches
// must not make a response of megabytes.
const maxRecordings = 500

const recExt = ".rec"

// recordingName reports whether name can be a recording's file name in
// the directory itself: no separator, no dot-dot, no hidden file.
// os.Root (below) refuses an escape anyway, links included; this gives
// the clear 400 first.
func recordingName(name string) bool {
	return strings.HasSuffix(name, recExt) && len(name) > len(recExt) &&
		!strings.ContainsAny(name, `/\`+"\x00") && !strings.HasPrefix(name, ".")
}

func (v *view) serveRecordings(w http.ResponseWriter, r *http.Request) {
	if !v.let(w, r) {
		return
	}
	if v.recordDir == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no recordings: start the server with --record DIR"})
		return
	}
	entries, err := os.ReadDir(v.recordDir)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": fmt.Sprintf("list recordings: %v", err)})
		return
	}
	out := Recordings{Recordings: []Recording{}}
	for _, e := range entries {
		if !e.Type().IsRegular() || !recordingName(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed while we looked
		}
		room := strings.TrimSuffix(e.Name(), recExt)
		_, live := v.srv.Room(room)
		out.Recordings = append(out.Recordings, Recording{
			Name: e.Name(), Room: room, Bytes: info.Size(), Modified: info.ModTime().UTC(), Live: live,
		})
	}
	out.Total = len(out.Recordings)
	slices.SortFunc(out.Recordings, func(a, b Recording) int {
		if c := b.Modified.Compare(a.Modified); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out.Recordings) > maxRecordings {
		out.Recordings = out.Recordings[:maxRecordings]
	}
	writeJSON(w, http.StatusOK, out)
}

func (v *view) serveRecording(w http.ResponseWriter, r *http.Request) {
	if !v.let(w, r) {
		return
	}
	if v.recordDir == "" {
		http.Error(w, "no recordings: start the server with --record DIR", http.StatusNotFound)
		return
	}
	name := r.PathValue("name")
	if !recordingName(name) {
		http.Error(w, fmt.Sprintf("bad recording name %q: want <room>.rec, a file of the recordings directory", name), http.StatusBadRequest)
		return
	}
	root, err := os.OpenRoot(v.recordDir)
	if err != nil {
		http.Error(w, "recordings directory unavailable", http.StatusInternalServerError)
		return
	}
	defer root.Close()
	f, err := root.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "no such recording", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "recording refused", http.StatusBadRequest)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		http.Error(w, "no such recording", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// let authorizes a request of the JSON API or a download, answering it
// itself when it is refused.
func (v *view) let(w http.ResponseWriter, r *http.Request) bool {
	switch v.authorize(r) {
	case throttled:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many wrong tokens"})
		return false
	case denied:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return false
	}
	return true
}
