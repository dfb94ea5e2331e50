// Package lobby runs rooms: each room is one goroutine that owns a game.Game
// and steps it on a fixed-tick deadline loop, and a Server is the
// http.Handler that lets clients join rooms over WebSocket.
//
// A program embeds tickroom by creating a Server, registering its game
// types, and mounting the Server on its own http.Server:
//
//	srv := lobby.NewServer(lobby.Config{}, slog.Default())
//	srv.Register(mygame.Type())
//	http.ListenAndServe(":8080", srv)
//	// on exit: srv.Shutdown(ctx)
//
// The Server never listens by itself, so tests mount it on httptest servers.
//
// Each tick a room applies the joins, leaves and inputs that arrived since
// the previous tick, steps the game, encodes its snapshot once, and publishes
// it: events to every member's reliable lane, the snapshot to every member's
// latest-wins slot (see package netcode).
package lobby
