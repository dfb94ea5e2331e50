package netcode

import "time"

// The HTTP API's JSON bodies (docs/protocol.md, "HTTP API"). They live next
// to the WebSocket messages so that the server (package lobby) and its
// clients share one definition of the wire: a field renamed here is
// renamed for both.

// RoomInfo is a room's entry: an element of the GET /api/rooms listing and
// the answer of POST /api/rooms.
type RoomInfo struct {
	ID   string `json:"id"`
	Game string `json:"game"`
	// Players counts the seated players, present or away, and the seats
	// held by reservations.
	Players    int  `json:"players"`
	MaxPlayers int  `json:"maxPlayers"`
	Locked     bool `json:"locked"`
	Private    bool `json:"private"`
	// Node is the hosting server's public address, for a directory that
	// several servers share (the scale-out registry routes by it); empty
	// for a room of the server that answered, the only kind today.
	Node string `json:"node,omitempty"`
}

// CreateRequest is the body of POST /api/rooms and the room part of a
// matchmaking request with mode MatchmakeCreate.
type CreateRequest struct {
	// Game is the game type; empty means the server's default game.
	Game string `json:"game"`
	// Private rooms are not listed, but can be joined by id.
	Private bool `json:"private"`
	// MaxPlayers is the room's seats, up to the server's limit; 0 means
	// that limit.
	MaxPlayers int `json:"maxPlayers"`
}

// Matchmaking modes, the Mode of a MatchmakeRequest.
const (
	MatchmakeQuick  = "quick"  // join a room with a free seat or create one, as quick play does; the default
	MatchmakeCreate = "create" // a seat in a new room, as the CreateRequest asks
	MatchmakeJoin   = "join"   // a seat in the room named by Room
)

// MatchmakeRequest is the body of POST /api/matchmake. Every field is
// optional.
type MatchmakeRequest struct {
	// Mode is one of MatchmakeQuick (when empty), MatchmakeCreate and
	// MatchmakeJoin.
	Mode string `json:"mode"`
	// Room is the room id for mode MatchmakeJoin.
	Room string `json:"room"`
	CreateRequest
}

// Reservation is the answer of POST /api/matchmake: a seat held in a room
// for the client that sends Token in its hello (Hello.Reservation) before
// Expires.
type Reservation struct {
	Room    string    `json:"room"`
	Game    string    `json:"game"`
	Token   string    `json:"reservation"`
	Expires time.Time `json:"expiresAt"`
	// URL is the WebSocket URL of the server that holds the seat, where
	// the hello with the token goes; empty when the server that answered
	// does not know its own (a server that is not part of a cluster).
	URL string `json:"url,omitempty"`
}

// ErrorBody is the body of every HTTP API error answer. Error is meant for
// logs and for a person; the status code is what a program decides on.
type ErrorBody struct {
	Error string `json:"error"`
}
