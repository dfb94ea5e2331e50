package bot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// matchmaker asks the server's matchmaking API for seat reservations.
type matchmaker struct {
	api *client.API
}

// newMatchmaker reaches the API of the server whose WebSocket URL the bots
// dial.
func newMatchmaker(wsURL string, hc *http.Client) (*matchmaker, error) {
	// The SDK would take an http URL for the API's, but the bots dial this
	// one: it must be the WebSocket's.
	if u, err := url.Parse(wsURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		return nil, fmt.Errorf("bot: url %q: want ws:// or wss://", wsURL)
	}
	api, err := client.NewAPI(wsURL, client.APIOptions{HTTPClient: hc})
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	return &matchmaker{api: api}, nil
}

// reservation is the part of a seat reservation a bot uses: the room, to
// send the rest of its group to, and the token for its hello.
type reservation struct {
	Room        string
	Reservation string
}

func (m *matchmaker) create(ctx context.Context, game string, seats int) (reservation, error) {
	return m.matchmake(ctx, netcode.MatchmakeRequest{
		Mode:          netcode.MatchmakeCreate,
		CreateRequest: netcode.CreateRequest{Game: game, MaxPlayers: seats},
	})
}

func (m *matchmaker) join(ctx context.Context, room string) (reservation, error) {
	return m.matchmake(ctx, netcode.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: room})
}

func (m *matchmaker) matchmake(ctx context.Context, req netcode.MatchmakeRequest) (reservation, error) {
	res, err := m.api.Matchmake(ctx, req)
	if err != nil {
		return reservation{}, fmt.Errorf("bot: matchmake %s: %w", req.Mode, err)
	}
	return reservation{Room: res.Room, Reservation: res.Token}, nil
}
