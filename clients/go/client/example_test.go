package client_test

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

// exampleServer starts a server that hosts Snake on a loopback port, as
// `tickroom serve` would, and returns its WebSocket address.
func exampleServer() (wsURL string, stop func()) {
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.DiscardHandler))
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		panic(err)
	}
	if err := srv.Register(typ); err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	api, err := client.NewAPI(hs.URL, client.APIOptions{})
	if err != nil {
		panic(err)
	}
	return api.WebSocketURL(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	}
}

// A player joins a Snake room by quick play, turns, and reads until a
// snapshot shows that the room applied the turn.
func ExampleDial() {
	server, stop := exampleServer() // e.g. "ws://localhost:8080/ws"
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := client.Dial(ctx, server, client.Options{Hello: netcode.Hello{Name: "ada", Game: "snake"}})
	if err != nil {
		fmt.Println(err) // a refused join: websocket.CloseStatus(err) is its close code
		return
	}
	defer c.Close()
	fmt.Println("joined", c.Welcome().Game, "as player", c.Welcome().Player)

	seq, err := c.SendInput(ctx, snake.EncodeTurn(snake.Left))
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		m, err := c.Next(ctx) // answers pings by itself
		if err != nil {
			fmt.Println(err)
			return
		}
		if m.Type != netcode.MsgSnapshot || m.Ack < seq {
			continue
		}
		s, err := snake.DecodeSnapshot(m.Payload)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("input", seq, "applied; snakes on the board:", len(s.Snakes))
		return
	}
	// Output:
	// joined snake as player 1
	// input 1 applied; snakes on the board: 1
}

// A program reserves a seat through the HTTP API (here in a new room of
// two seats) and spends the reservation in its hello. NewAPI takes the
// WebSocket address as well as the HTTP one.
func ExampleAPI_Matchmake() {
	server, stop := exampleServer()
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	api, err := client.NewAPI(server, client.APIOptions{}) // JoinSecret, if the server has one
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := api.Matchmake(ctx, netcode.MatchmakeRequest{
		Mode:          netcode.MatchmakeCreate,
		CreateRequest: netcode.CreateRequest{Game: "snake", MaxPlayers: 2},
	})
	if err != nil {
		fmt.Println(err) // an *APIError: its StatusCode says why (409: full, 429: RetryAfter)
		return
	}
	c, err := client.Dial(ctx, api.WebSocketURL(), client.Options{Hello: netcode.Hello{Name: "ada", Reservation: res.Token}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println("seated in the reserved room:", c.Welcome().Room == res.Room)

	page, err := api.ListRooms(ctx, client.RoomFilter{Game: "snake"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range page.Rooms {
		fmt.Printf("%s room of %d seats\n", r.Game, r.MaxPlayers)
	}
	// Output:
	// seated in the reserved room: true
	// snake room of 2 seats
}
