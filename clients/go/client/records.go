package client

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tickroom/tickroom/netcode"
)

// NewPlayerKey returns a new random player key for Options.PlayerKey: 26
// characters of base32 (A-Z, 2-7), 130 random bits. Keep it as the
// player's secret, and send the same one each time.
func NewPlayerKey() string { return rand.Text() }

// Leaderboard returns the game's leaderboard ("" for the server's default
// game) of a period: "day" (the last 24 hours), "week" (the last 7 days)
// or "all" ("" for all); limit 0 asks for the server's default (10).
func (a *API) Leaderboard(ctx context.Context, game, period string, limit int) (netcode.Leaderboard, error) {
	q := url.Values{}
	set(q, "game", game)
	set(q, "period", period)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out netcode.Leaderboard
	_, err := a.do(ctx, http.MethodGet, "/api/leaderboard", q, nil, &out)
	return out, err
}

// Me returns the records, in game ("" for the default), of the player
// whose key is key: an *APIError with status 404 when the server knows
// no such player (it creates none).
func (a *API) Me(ctx context.Context, key, game string) (netcode.PlayerRecords, error) {
	q := url.Values{}
	set(q, "game", game)
	var out netcode.PlayerRecords
	_, err := a.doWith(ctx, http.MethodGet, "/api/players/me", q, http.Header{"X-Player-Key": {key}}, nil, &out)
	return out, err
}

// Player returns the public records, in game ("" for the default), of the
// player with stable id id.
func (a *API) Player(ctx context.Context, id int64, game string) (netcode.PlayerRecords, error) {
	q := url.Values{}
	set(q, "game", game)
	var out netcode.PlayerRecords
	_, err := a.do(ctx, http.MethodGet, "/api/players/"+strconv.FormatInt(id, 10), q, nil, &out)
	return out, err
}

// Matches returns the game's last matches ("" for the default game),
// newest first; limit 0 asks for the server's default (10).
func (a *API) Matches(ctx context.Context, game string, limit int) (netcode.Matches, error) {
	q := url.Values{}
	set(q, "game", game)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out netcode.Matches
	_, err := a.do(ctx, http.MethodGet, "/api/matches", q, nil, &out)
	return out, err
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
