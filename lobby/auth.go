package lobby

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/tickroom/tickroom/netcode"
)

// Operations an AuthFunc is asked about.
const (
	OpJoin      = "join"      // a hello on /ws
	OpMatchmake = "matchmake" // POST /api/matchmake
	OpCreate    = "create"    // POST /api/rooms
)

// AuthRequest is what an AuthFunc decides on.
type AuthRequest struct {
	Op string
	// Hello is the client's hello for OpJoin, nil otherwise.
	Hello      *netcode.Hello
	Header     http.Header
	RemoteAddr string
}

// Credential returns the request's credential: the hello's auth field, or
// else the bearer token of the Authorization header.
func (a AuthRequest) Credential() string {
	if a.Hello != nil && a.Hello.Auth != "" {
		return a.Hello.Auth
	}
	token, ok := strings.CutPrefix(a.Header.Get("Authorization"), "Bearer ")
	if ok {
		return token
	}
	return ""
}

// AuthFunc validates a join or a matchmaking request. A non-nil error
// refuses it; its text is the reason the client sees. The Identity it
// admits the client as may name an account and restrict what the client
// joins; the zero Identity is anyone, anywhere.
type AuthFunc func(ctx context.Context, req AuthRequest) (Identity, error)

// Identity is who an AuthFunc admitted, and where it may go (a JWT's
// claims, see JWT).
type Identity struct {
	// Subject is the client's account id, "" for none. The welcome shows
	// it as account, and an account has one seat per room: a player's
	// hello for a room where its account holds a seat, present or away,
	// takes that seat over as a resume does, and the older connection is
	// closed as replaced.
	Subject string
	// Name, when set, is the player's display name, in place of the
	// hello's.
	Name string
	// Room, when set, is the only room the client may join or reserve a
	// seat in: a hello or a matchmaking request for another room is
	// refused, and so are quick play and creating a room.
	Room string
	// Game, when set, is the only game type the client may play: a room of
	// another game is refused, and quick play or a new room without a game
	// gets this one.
	Game string
}

// ErrUnauthorized is what SharedSecret and JWT refuse with, and what a
// token's room or game restriction refuses with.
var ErrUnauthorized = errors.New("unauthorized")

// SharedSecret admits requests whose credential equals secret, as the
// zero Identity.
func SharedSecret(secret string) AuthFunc {
	return func(_ context.Context, req AuthRequest) (Identity, error) {
		if subtle.ConstantTimeCompare([]byte(req.Credential()), []byte(secret)) != 1 {
			return Identity{}, fmt.Errorf("%w: wrong or missing join secret", ErrUnauthorized)
		}
		return Identity{}, nil
	}
}

func (s *Server) authorize(ctx context.Context, req AuthRequest) (Identity, error) {
	if s.cfg.Authorize == nil {
		return Identity{}, nil
	}
	return s.cfg.Authorize(ctx, req)
}

// The refusals of an identity's restrictions. They name no restriction's
// value: those are the token's, and refusals are logged.
var (
	errRoomNotAllowed    = fmt.Errorf("%w: room not allowed by the token", ErrUnauthorized)
	errAnyRoomNotAllowed = fmt.Errorf("%w: the token is for one room: name it (no quick play, no new room)", ErrUnauthorized)
	errGameNotAllowed    = fmt.Errorf("%w: game not allowed by the token", ErrUnauthorized)
)

// allowRoom refuses a room id the identity may not ask for.
func (id Identity) allowRoom(room string) error {
	switch {
	case id.Room == "" || room == id.Room:
		return nil
	case room == "":
		return errAnyRoomNotAllowed
	}
	return errRoomNotAllowed
}

// allowGame refuses a room of a game the identity may not play.
func (id Identity) allowGame(game string) error {
	if id.Game != "" && game != id.Game {
		return errGameNotAllowed
	}
	return nil
}

// newRoomGame is the game of a room the request does not name (quick
// play, a new room): the game asked for, the identity's when none is, and
// a refusal when the identity is for one room or another game.
func (id Identity) newRoomGame(asked string) (string, error) {
	if err := id.allowRoom(""); err != nil {
		return "", err
	}
	if asked == "" {
		return id.Game, nil
	}
	return asked, id.allowGame(asked)
}
