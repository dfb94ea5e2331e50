package game

import "errors"

// PlayerID identifies a player within one room. The room assigns IDs from 1
// upwards and never reuses one while the room lives, so a Game may keep
// per-player state in a slice or a sorted list and iterate it in ID order.
type PlayerID uint32

// Game is one running simulation, owned by one room goroutine.
type Game interface {
	// Join adds a player. It returns an error wrapping ErrRejected when the
	// game cannot take the player (for example, no room on the board).
	Join(p PlayerID, name string) error
	// Leave removes a player for good. Unknown players are ignored.
	Leave(p PlayerID)
	// Input validates one input payload (raw msgpack, as the client sent it)
	// and queues it for the next Step. A payload the game does not accept
	// returns an error wrapping ErrBadInput; the room reports it to the
	// client and carries on.
	Input(p PlayerID, payload []byte) error
	// Step advances the simulation by one tick and returns the events that
	// happened during it. tick counts steps from 1. The returned slice is
	// only valid until the next call to Step.
	Step(tick uint32) []Event
	// AppendSnapshot appends the msgpack encoding of the current state to
	// dst. The room calls it once per tick and sends the same bytes to
	// every member.
	AppendSnapshot(dst []byte) []byte
	// Config returns a msgpack-encodable description of the game's settings
	// (board size and the like) that clients receive when they join.
	Config() any
}

// Event is something that happened in a game, delivered reliably to every
// member of the room.
type Event struct {
	// Kind names the event, for example "died".
	Kind string
	// Data is any msgpack-encodable value; nil encodes as msgpack nil.
	Data any
}

// Setup is what a room tells a game when it creates it.
type Setup struct {
	// Seed drives the game's own random generator; it is the only source of
	// randomness a game may use.
	Seed uint64
	// MaxPlayers is the room's seat count.
	MaxPlayers int
	// TickRate is the room's ticks per second, for games that express
	// durations in seconds.
	TickRate int
}

// Type names a game and creates instances of it.
type Type struct {
	// Name is what clients ask for, e.g. "snake".
	Name string
	// New creates a game for one room.
	New func(Setup) (Game, error)

	// Delta, when set, lets rooms send snapshots as deltas. It appends to
	// dst an encoding of the change from snapshot base to snapshot cur, both
	// as AppendSnapshot or AppendView encoded them, such that Patch(base,
	// delta) gives cur byte for byte. Connection goroutines call it
	// concurrently, so it must be a pure function of its arguments.
	Delta func(dst, base, cur []byte) ([]byte, error)
	// Patch appends to dst the snapshot that applying delta to base gives.
	// Clients call it; it must reject a delta that does not fit base with
	// an error rather than produce a wrong state.
	Patch func(dst, base, delta []byte) ([]byte, error)
}

// Rect is an area of a game's world, in the game's own units (cells for
// Snake): X, Y is its top-left corner.
type Rect struct {
	X, Y, W, H int
}

// Viewer is implemented by games that can send each player only the part of
// the world around it (area of interest). A room that has area of interest
// turned on encodes each distinct view once per tick and sends it to every
// member whose view it is, so a Viewer should round views to a coarse grid
// for players to share them.
type Viewer interface {
	// View returns the area player p should see now; false means the whole
	// world (for example while p has no avatar).
	View(p PlayerID) (Rect, bool)
	// AppendView appends the snapshot restricted to r: what lies in r,
	// and r itself so that a client knows which part of the world it
	// holds. Equal rects give equal bytes within a tick.
	AppendView(dst []byte, r Rect) []byte
}

// Requester is implemented by games that answer their clients' requests
// (a request carries an id, a kind and a msgpack value, and gets exactly
// one reply). The room calls Request on its goroutine between ticks, just
// before the next Step, in the order the requests arrived among the
// player's inputs; kinds starting with "room." are the room's own and
// never reach the game.
//
// p is the player who asked, or 0 for a spectator, who has no player in
// the game. data is the request's raw msgpack value (nil encodes as
// 0xc0); the game must not keep it past the call. Request returns a
// msgpack-encodable reply, or an error wrapping ErrUnknownRequest (the
// client gets unknown_request), ErrBadInput (bad_request) or ErrRejected
// (not_allowed); any other error is sent as failed, with its text.
//
// A request may change the game's state, deterministically like an input:
// the room records the requests of players that succeeded, and a replay
// makes them again. Events it causes belong in the next Step's events.
type Requester interface {
	Request(p PlayerID, kind string, data []byte) (reply any, err error)
}

// Result is how one player's part in a game ended: for Snake, one life.
// The room that runs the game keeps it for the player (with the player's
// stable id, for a returning player) and counts it in the room's match
// summary.
type Result struct {
	Player PlayerID
	// Score is the game's score for it; a match summary ranks players by
	// their best.
	Score int64
	// Kills counts the other players it defeated.
	Kills int64
	// Cause says how it ended, in the game's words (Snake: "wall",
	// "self", "body", "head-on", or "left" when the player left), at
	// most 64 characters of printable UTF-8.
	Cause string
	// Ticks is how long it lasted, in ticks.
	Ticks int64
}

// Reporter is implemented by games that report results. The room calls
// AppendResults on its goroutine after every Step and after every Leave,
// so a game keeps the results that ended since the last call (a life
// that ends in Leave included) and hands them over oldest first. It
// appends to dst, which the room reuses: a game that keeps its own
// buffer too costs no allocation per tick.
//
// A game must bound what it keeps between calls, since a program that
// runs it without a room (a replay, a benchmark) never asks. Results are
// not part of the game's state: reporting them must not change what
// Step, the snapshots and the events are, so that replays stay exact.
//
// When the room ends, it removes the players still seated with Leave
// (their lives end as if they left) and takes their results, then writes
// the match summary: each player with a result, ranked by best Score,
// then total Kills, then who joined first.
type Reporter interface {
	AppendResults(dst []Result) []Result
}

// Errors a Game returns, wrapped with detail.
var (
	// ErrBadInput marks an input payload, or a request's data, that the
	// game does not accept.
	ErrBadInput = errors.New("bad input")
	// ErrRejected marks a join, or a request, that the game refuses.
	ErrRejected = errors.New("rejected")
	// ErrUnknownRequest marks a request kind the game does not answer.
	ErrUnknownRequest = errors.New("unknown request")
)
