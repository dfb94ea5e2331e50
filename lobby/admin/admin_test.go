package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	client "github.com/tickroom/tickroom/clients/go"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, token string) (*lobby.Server, *httptest.Server) {
	t.Helper()
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	typ, _ := testgame.Type("count", testgame.Options{})
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	h := admin.Handler(srv, token)
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

func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminRefusesMissingOrWrongToken(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	for _, tc := range []struct {
		path, bearer string
		want         int
	}{
		{"/admin", "", http.StatusUnauthorized},
		{"/admin?token=nope", "", http.StatusUnauthorized},
		{"/admin?token=t0ken", "", http.StatusOK},
		{"/admin/api/state", "", http.StatusUnauthorized},
		{"/admin/api/state", "nope", http.StatusUnauthorized},
		{"/admin/api/state", "t0ken", http.StatusOK},
	} {
		if got, _ := get(t, hs.URL+tc.path, tc.bearer); got != tc.want {
			t.Errorf("GET %s (bearer %q): %d, want %d", tc.path, tc.bearer, got, tc.want)
		}
	}
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "")
	got, body := get(t, hs.URL+"/admin?token=", "")
	if got != http.StatusNotFound || !strings.Contains(body, "--admin-token") {
		t.Fatalf("GET /admin with no token configured: %d %q, want 404 with a hint", got, body)
	}
}

func TestAdminStateShowsRoomsAndPlayers(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.Options{Hello: netcode.Hello{Name: "<i>ada</i>"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	code, body := get(t, hs.URL+"/admin/api/state", "t0ken")
	if code != http.StatusOK {
		t.Fatalf("state: %d %s", code, body)
	}
	var st admin.State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Rooms) != 1 || st.Rooms[0].ID != c.Welcome().Room || st.Players != 1 {
		t.Fatalf("state %+v, want the one room with its player", st)
	}
	if m := st.Rooms[0].Members; len(m) != 1 || m[0].Name != "<i>ada</i>" || m[0].Player != c.Welcome().Player {
		t.Fatalf("members %+v, want ada as she named herself", m)
	}
}
