package netcode

import "github.com/vmihailenco/msgpack/v5"

// Subprotocol is the WebSocket subprotocol of this protocol version. A
// client that does not offer it is closed with CloseBadVersion.
const Subprotocol = "tickroom.v2"

// MsgType is the first element of every protocol message.
type MsgType uint8

// Client to server messages.
const (
	MsgHello   MsgType = 1 // [1, {hello fields}]
	MsgInput   MsgType = 2 // [2, seq u32, payload]
	MsgPong    MsgType = 3 // [3, ping id u32]
	MsgChat    MsgType = 4 // [4, text]
	MsgLeave   MsgType = 5 // [5]
	MsgRequest MsgType = 6 // [6, request id u32, kind, data]
)

// Server to client messages.
const (
	MsgWelcome  MsgType = 16 // [16, {welcome fields}]                    reliable
	MsgEvent    MsgType = 17 // [17, event seq u32, tick u32, kind, data] reliable
	MsgPing     MsgType = 18 // [18, ping id u32, server time ms, tick, rtt ms] with the next flush
	MsgError    MsgType = 19 // [19, code, message, input seq or 0]       reliable
	MsgSnapshot MsgType = 20 // [20, tick, base tick, acked input seq, payload bin] volatile
	MsgReply    MsgType = 21 // [21, request id, code ("" = ok), message, data] reliable
	MsgHistory  MsgType = 22 // [22, [[name, text, at ms, player id], ...]]  reliable
)

func (t MsgType) String() string {
	switch t {
	case MsgHello:
		return "hello"
	case MsgInput:
		return "input"
	case MsgPong:
		return "pong"
	case MsgChat:
		return "chat"
	case MsgLeave:
		return "leave"
	case MsgRequest:
		return "request"
	case MsgWelcome:
		return "welcome"
	case MsgEvent:
		return "event"
	case MsgPing:
		return "ping"
	case MsgError:
		return "error"
	case MsgSnapshot:
		return "snapshot"
	case MsgReply:
		return "reply"
	case MsgHistory:
		return "history"
	}
	return "unknown"
}

// Hello is the first message a client sends. Every field is optional.
type Hello struct {
	Name string `msgpack:"name,omitempty"`
	// Game asks for a room of that game type when Room is empty (quick play).
	Game string `msgpack:"game,omitempty"`
	// Room joins an existing room by id.
	Room string `msgpack:"room,omitempty"`
	// Reservation is a seat reservation token from the matchmaking API.
	Reservation string `msgpack:"reservation,omitempty"`
	// Session resumes a dropped player within the grace period.
	Session string `msgpack:"session,omitempty"`
	// LastEvent is the last event seq the client received, for resume.
	LastEvent uint32 `msgpack:"lastEvent,omitempty"`
	// Spectator joins without a seat.
	Spectator bool `msgpack:"spectator,omitempty"`
	// Auth is an opaque credential checked by the server's auth hook.
	Auth string `msgpack:"auth,omitempty"`
	// Deltas says the client can apply delta snapshots (it has the game's
	// Patch); without it every snapshot is full.
	Deltas bool `msgpack:"deltas,omitempty"`
	// View is a spectator's area of interest, [x, y, w, h] in the game's
	// units, in rooms with area of interest; empty means the whole world.
	View []int `msgpack:"view,omitempty"`
	// Key is the player key, a secret the client keeps (CheckKey says
	// what one may hold): a server with a store maps it to a stable
	// player id, so that a returning player keeps its name and records.
	// Without one the player is a guest. It is never logged.
	Key string `msgpack:"key,omitempty"`
}

// Welcome answers a successful hello.
type Welcome struct {
	Player    uint32 `msgpack:"player"`
	Session   string `msgpack:"session"`
	Room      string `msgpack:"room"`
	Game      string `msgpack:"game"`
	TickRate  int    `msgpack:"tickRate"`
	Tick      uint32 `msgpack:"tick"`
	Spectator bool   `msgpack:"spectator"`
	// Account is the account id the server's auth admitted the client as
	// (a join JWT's sub), "" without one.
	Account string `msgpack:"account"`
	// Resumed is set when the hello's session put the player back on its
	// seat; the events it missed follow the welcome.
	Resumed bool `msgpack:"resumed"`
	// HistoryLost is set on a resume when some of the events the player
	// missed could not be kept: the welcome's seq count goes on from the
	// newest event, the roster is current and the next snapshot is full,
	// so the client rebuilds from them instead of replaying.
	HistoryLost bool `msgpack:"historyLost"`
	// LastEvent is the event seq the events that follow continue from: the
	// hello's lastEvent on a resume that replays, the newest event's seq
	// on one that lost its history, 0 for a new player.
	LastEvent uint32 `msgpack:"lastEvent"`
	// Deltas is set when snapshots may come as deltas (the client asked
	// and the room sends them).
	Deltas bool `msgpack:"deltas"`
	// AreaOfInterest is set when this client's snapshots hold only a part
	// of the world: the player's surroundings, or the view a spectator
	// asked for. A spectator without a view gets the whole world, and
	// false.
	AreaOfInterest bool `msgpack:"areaOfInterest"`
	// PlayerID is the stable player id the hello's key stands for, the
	// same in every room and across restarts; 0 for a guest.
	PlayerID int64    `msgpack:"playerId"`
	Players  []Member `msgpack:"players"`
	// Config is the game's settings, as the game's Config() encoded them.
	Config msgpack.RawMessage `msgpack:"config"`
}

// Member is one player of a room as the welcome lists it.
type Member struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32
	Name     string
}

// Error codes carried by MsgError, and by MsgReply for a request that
// failed.
const (
	ErrCodeBadMessage     = "bad_message"     // not a protocol message, or one the server refuses as such
	ErrCodeUnknownType    = "unknown_type"    // a message type the server does not know
	ErrCodeBadInput       = "bad_input"       // the game refused an input payload
	ErrCodeRateLimited    = "rate_limited"    // a message over a rate limit; dropped
	ErrCodeBadSeq         = "bad_seq"         // input seq not increasing; dropped
	ErrCodeNotAllowed     = "not_allowed"     // e.g. input from a spectator
	ErrCodeUnknownRequest = "unknown_request" // a request kind nobody answers (reply only)
	ErrCodeBadRequest     = "bad_request"     // the request's data was refused (reply only)
	ErrCodeFailed         = "failed"          // the request could not be carried out (reply only)
)
