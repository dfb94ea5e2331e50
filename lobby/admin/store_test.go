package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

func newServerWith(t *testing.T, token string, opts ...admin.Option) (*lobby.Server, *httptest.Server) {
	t.Helper()
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	typ, _ := testgame.Type("count", testgame.Options{})
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	h := admin.Handler(srv, token, opts...)
	srv.Handle("/admin", h)
	srv.Handle("/admin/", h)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, hs
}

// down is a store whose database no longer answers.
type down struct{ store.Store }

func (down) Ping(context.Context) error {
	return errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
}

func openStore(t *testing.T) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "tickroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func state(t *testing.T, base string) admin.State {
	t.Helper()
	code, body := get(t, base+"/admin/api/state", "t0ken")
	if code != http.StatusOK {
		t.Fatalf("state: %d %s", code, body)
	}
	var st admin.State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestAdminStateShowsStoreHealth(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	w := store.NewWriter(s, store.WriterConfig{Queue: 64})
	defer w.Close(context.Background())
	w.Chat(store.ChatLine{Room: "r", Name: "ann", Text: "hi", At: time.Now()})
	_, hs := newServerWith(t, "t0ken", admin.WithStore(store.NewCollector(w, s)))
	st := state(t, hs.URL)
	if st.Store == nil || st.Store.Backend != "sqlite" || !st.Store.Up || st.Store.SchemaVersion < 2 || st.Store.Writer == nil || st.Store.QueueCap != 64 {
		t.Fatalf("store health %+v, want SQLite up at schema 2 or later with the Writer", st.Store)
	}
	if st.Recordings {
		t.Error("recordings shown without WithRecordings")
	}

	_, hs = newServerWith(t, "t0ken", admin.WithStore(store.NewCollector(nil, down{s})))
	st = state(t, hs.URL)
	if st.Store == nil || st.Store.Up || !strings.Contains(st.Store.Error, "connection refused") || !strings.Contains(st.Store.LastError, "connection refused") {
		t.Fatalf("health of a store that is down: %+v", st.Store)
	}

	_, hs = newServerWith(t, "t0ken")
	if st := state(t, hs.URL); st.Store != nil {
		t.Errorf("a server without a store shows %+v", st.Store)
	}
}

func TestAdminRecordings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	write("old.rec", "old match", time.Hour)
	write("new.rec", "new match", time.Minute)
	write("notes.txt", "not a recording", 0)
	write(".hidden.rec", "hidden", 0)
	if err := os.Mkdir(filepath.Join(dir, "sub.rec"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret.rec")
	if err := os.WriteFile(secret, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "link.rec")); err != nil {
		t.Fatal(err)
	}

	srv, hs := newServerWith(t, "t0ken", admin.WithRecordings(dir))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.Options{Hello: netcode.Hello{Name: "ann"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	room := c.Welcome().Room
	if _, ok := srv.Room(room); !ok {
		t.Fatal("no room")
	}
	write(room+".rec", "live", 0)

	if !state(t, hs.URL).Recordings {
		t.Error("state does not say the server records")
	}
	code, body := get(t, hs.URL+"/admin/api/recordings", "t0ken")
	if code != http.StatusOK {
		t.Fatalf("recordings: %d %s", code, body)
	}
	var list admin.Recordings
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range list.Recordings {
		names = append(names, r.Name)
	}
	if got, want := strings.Join(names, " "), room+".rec new.rec old.rec"; got != want || list.Total != 3 {
		t.Errorf("recordings %q (total %d), want %q: newest first, regular .rec files only", got, list.Total, want)
	}
	if len(list.Recordings) == 3 && (!list.Recordings[0].Live || list.Recordings[0].Room != room || list.Recordings[1].Live || list.Recordings[1].Bytes != int64(len("new match"))) {
		t.Errorf("recordings %+v: want the live room's marked live, sizes given", list.Recordings)
	}

	req, _ := http.NewRequest("GET", hs.URL+"/admin/recordings/new.rec", nil)
	req.Header.Set("Authorization", "Bearer t0ken")
	resp, body := do(t, req)
	if resp.StatusCode != http.StatusOK || body != "new match" || !strings.Contains(resp.Header.Get("Content-Disposition"), `attachment; filename="new.rec"`) {
		t.Errorf("download: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Disposition"))
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("a download without the admin headers")
	}
	cookie := login(t, hs.URL, "t0ken")
	if resp, body := getCookie(t, hs.URL+"/admin/recordings/old.rec", cookie); resp.StatusCode != http.StatusOK || body != "old match" {
		t.Errorf("download with the session cookie: %d %q", resp.StatusCode, body)
	}

	for path, want := range map[string]int{
		"/admin/recordings/%2e%2e":                    http.StatusBadRequest,
		"/admin/recordings/..%2fsecret.rec":           http.StatusBadRequest,
		"/admin/recordings/..%5csecret.rec":           http.StatusBadRequest,
		"/admin/recordings/%2e%2e%2f%2e%2e%2fetc.rec": http.StatusBadRequest,
		"/admin/recordings/.hidden.rec":               http.StatusBadRequest,
		"/admin/recordings/notes.txt":                 http.StatusBadRequest,
		"/admin/recordings/none.rec":                  http.StatusNotFound,
		"/admin/recordings/sub.rec":                   http.StatusNotFound,
		"/admin/recordings/link.rec":                  http.StatusBadRequest, // out of the directory
	} {
		code, body := get(t, hs.URL+path, "t0ken")
		if code != want || strings.Contains(body, "outside") {
			t.Errorf("GET %s: %d %q, want %d", path, code, body, want)
		}
	}
	for _, path := range []string{"/admin/api/recordings", "/admin/recordings/new.rec"} {
		if code, body := get(t, hs.URL+path, ""); code != http.StatusUnauthorized || strings.Contains(body, "match") {
			t.Errorf("GET %s without the token: %d %q", path, code, body)
		}
		if code, _ := get(t, hs.URL+path, "wrong"); code != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token: %d", path, code)
		}
	}

	_, plain := newServerWith(t, "t0ken")
	if code, body := get(t, plain.URL+"/admin/api/recordings", "t0ken"); code != http.StatusNotFound || !strings.Contains(body, "--record") {
		t.Errorf("recordings of a server that does not record: %d %s", code, body)
	}
}
