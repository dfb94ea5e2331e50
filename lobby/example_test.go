package lobby_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// A program embeds tickroom: it registers its game types with a Server and
// mounts the Server, an http.Handler, on its own HTTP server (here an
// httptest one; http.Server{Addr: ":8080", Handler: srv} in production).
// On exit it shuts the Server down first, which closes rooms and clients
// with netcode.CloseShuttingDown, and then its HTTP server.
func ExampleServer() {
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.DiscardHandler))
	typ, err := snake.Type(snake.DefaultConfig()) // or the program's own game.Type
	if err != nil {
		panic(err)
	}
	if err := srv.Register(typ); err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	}()

	// A client joins by quick play, over /ws.
	api, err := client.NewAPI(hs.URL, client.APIOptions{})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, api.WebSocketURL(), client.Options{Hello: netcode.Hello{Name: "ada"}})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	w := c.Welcome()
	fmt.Printf("player %d joined a %s room ticking %d times a second\n", w.Player, w.Game, w.TickRate)
	// Output: player 1 joined a snake room ticking 20 times a second
}
