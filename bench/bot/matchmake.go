package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// matchmaker asks the server's matchmaking API for seat reservations.
type matchmaker struct {
	endpoint string
	hc       *http.Client
}

// newMatchmaker derives the API's address from the WebSocket URL.
func newMatchmaker(wsURL string, hc *http.Client) (*matchmaker, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, fmt.Errorf("bot: url %q: %w", wsURL, err)
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return nil, fmt.Errorf("bot: url %q: want ws:// or wss://", wsURL)
	}
	u.Path, u.RawQuery = "/api/matchmake", ""
	return &matchmaker{endpoint: u.String(), hc: hc}, nil
}

type reservation struct {
	Room        string `json:"room"`
	Reservation string `json:"reservation"`
}

func (m *matchmaker) create(ctx context.Context, game string, seats int) (reservation, error) {
	return m.post(ctx, map[string]any{"mode": "create", "game": game, "maxPlayers": seats})
}

func (m *matchmaker) join(ctx context.Context, room string) (reservation, error) {
	return m.post(ctx, map[string]any{"mode": "join", "room": room})
}

func (m *matchmaker) post(ctx context.Context, body any) (reservation, error) {
	var res reservation
	b, err := json.Marshal(body)
	if err != nil {
		return res, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.endpoint, bytes.NewReader(b))
	if err != nil {
		return res, fmt.Errorf("bot: matchmake: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.hc.Do(req)
	if err != nil {
		return res, fmt.Errorf("bot: matchmake: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("bot: matchmake %v: %s: %s", body, resp.Status, bytes.TrimSpace(data))
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return res, fmt.Errorf("bot: matchmake: %w", err)
	}
	return res, nil
}
