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
// refuses it; its text is the reason the client sees.
type AuthFunc func(ctx context.Context, req AuthRequest) error

// ErrUnauthorized is what SharedSecret refuses with.
var ErrUnauthorized = errors.New("unauthorized")

// SharedSecret admits requests whose credential equals secret.
func SharedSecret(secret string) AuthFunc {
	return func(_ context.Context, req AuthRequest) error {
		if subtle.ConstantTimeCompare([]byte(req.Credential()), []byte(secret)) != 1 {
			return fmt.Errorf("%w: wrong or missing join secret", ErrUnauthorized)
		}
		return nil
	}
}

func (s *Server) authorize(ctx context.Context, req AuthRequest) error {
	if s.cfg.Authorize == nil {
		return nil
	}
	return s.cfg.Authorize(ctx, req)
}
