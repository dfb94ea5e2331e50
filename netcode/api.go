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

// Leaderboard is the answer of GET /api/leaderboard: the game's players
// ranked by their best score in the period ("day": the last 24 hours,
// "week": the last 7 days, "all").
type Leaderboard struct {
	Game    string             `json:"game"`
	Period  string             `json:"period"`
	Entries []LeaderboardEntry `json:"entries"`
}

// LeaderboardEntry is one line of a leaderboard: the player's best score
// and when it was made. Ranks go 1, 2, 3, ... with no equal ranks (a tie
// goes to who scored first).
type LeaderboardEntry struct {
	Rank   int       `json:"rank"`
	Player int64     `json:"player"`
	Name   string    `json:"name"`
	Score  int64     `json:"score"`
	At     time.Time `json:"at"`
}

// PlayerRecords is the answer of GET /api/players/me and
// GET /api/players/{id}: a returning player and its records in one game.
type PlayerRecords struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// LastSeen is the player's last join; only its owner (players/me)
	// sees it.
	LastSeen *time.Time  `json:"lastSeen,omitempty"`
	Best     PlayerBests `json:"best"`
	// Recent is the player's last results, newest first.
	Recent []PlayerResult `json:"recent"`
}

// PlayerBests is a player's place on the game's leaderboard of each
// period, nil where it has no result.
type PlayerBests struct {
	Day  *PlayerBest `json:"day"`
	Week *PlayerBest `json:"week"`
	All  *PlayerBest `json:"all"`
}

// PlayerBest is a player's best score on a leaderboard and its rank there.
type PlayerBest struct {
	Rank  int       `json:"rank"`
	Score int64     `json:"score"`
	At    time.Time `json:"at"`
}

// PlayerResult is one result of a player (for Snake, a life).
type PlayerResult struct {
	Room      string    `json:"room"`
	Score     int64     `json:"score"`
	Kills     int64     `json:"kills"`
	Cause     string    `json:"cause"`
	LifeTicks int64     `json:"lifeTicks"`
	At        time.Time `json:"at"`
}

// Matches is the answer of GET /api/matches: the game's last matches,
// newest first.
type Matches struct {
	Matches []Match `json:"matches"`
}

// Match is how a room's match ended: one line per player who played, in
// rank order.
type Match struct {
	Game    string        `json:"game"`
	Room    string        `json:"room"`
	Started time.Time     `json:"started"`
	Ended   time.Time     `json:"ended"`
	Players []MatchPlayer `json:"players"`
}

// MatchPlayer is a player's line in a Match: Player is 0 for a guest.
type MatchPlayer struct {
	Player int64  `json:"player"`
	Name   string `json:"name"`
	Score  int64  `json:"score"`
	Kills  int64  `json:"kills"`
}
