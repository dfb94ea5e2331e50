package loopback

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
)

// Start serves Snake rooms with cfg (no connection caps unless cfg sets
// them, and no per-address limits: every bot comes from 127.0.0.1, as for
// tickroom bench) and returns the WebSocket URL. The test's cleanup shuts
// the server down and waits for its goroutines.
func Start(t testing.TB, cfg lobby.Config) string {
	t.Helper()
	if cfg.Limits == (lobby.AddrLimits{}) {
		cfg.Limits = lobby.AddrLimits{Rooms: -1, CreateRate: -1, Reservations: -1, LookupFailRate: -1}
	}
	srv := lobby.NewServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}
