package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
)

// fakeServerEnv makes the test binary a stand-in for "tickroom serve":
// the tests start it as the benchmark's server process.
const fakeServerEnv = "SCENARIO_TEST_FAKE_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(fakeServerEnv) != "" {
		if err := fakeServe(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fake serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// fakeServe serves Snake like tickroom serve, reading only --addr and
// --max-players, until SIGTERM.
func fakeServe(args []string) error {
	addr, players := "", 8
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--addr":
			addr = args[i+1]
		case "--max-players":
			players, _ = strconv.Atoi(args[i+1])
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	srv := lobby.NewServer(lobby.Config{Room: lobby.RoomConfig{MaxPlayers: players}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	cfg := snake.DefaultConfig()
	cfg.MaxPlayers = players
	typ, err := snake.Type(cfg)
	if err != nil {
		return err
	}
	if err := srv.Register(typ); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), hs.Shutdown(sctx))
}
