// Package lobby runs rooms: each room is one goroutine that owns a game.Game
// and steps it on a fixed-tick deadline loop, and a Server is the
// http.Handler that lets clients join rooms over WebSocket.
//
// A program embeds tickroom by creating a Server, registering its game
// types, and mounting the Server on its own http.Server; on exit it shuts
// the Server down, then the http.Server. ExampleServer, in
// example_test.go, does it all; it is compiled and run with the tests, and
// pkg.go.dev shows it with the package. The Server never listens by
// itself, so tests mount it on httptest servers.
//
// Besides /ws, the Server answers a JSON API under /api (room listings,
// room creation, matchmaking) whose bodies are package netcode's
// (netcode.RoomInfo, netcode.MatchmakeRequest, ...); the Go SDK's
// client.API is its client.
//
// Each tick a room applies the joins, leaves and inputs that arrived since
// the previous tick, steps the game, encodes its snapshot once, and publishes
// it: events to every member's reliable lane, the snapshot to every member's
// latest-wins slot (see package netcode).
package lobby
