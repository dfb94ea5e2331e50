package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// maxAPIAnswer bounds an answer's body: a full page of rooms is far
// smaller, and a server or proxy gone wrong must not make the client
// buffer without end.
const maxAPIAnswer = 1 << 20

// APIOptions configure NewAPI.
type APIOptions struct {
	// HTTPClient makes the requests; nil uses http.DefaultClient.
	HTTPClient *http.Client
	// JoinSecret, when set, is sent as "Authorization: Bearer <secret>",
	// for servers that require one (tickroom serve --join-secret).
	JoinSecret string
}

// API is a client of a server's HTTP API (/api): room listings, room
// creation and matchmaking. Its methods are safe for concurrent use.
type API struct {
	base   *url.URL // http(s)://host[/prefix], without a trailing slash
	hc     *http.Client
	secret string
}

// NewAPI returns a client of the API of the server at server: its HTTP
// address (http://localhost:8080) or its WebSocket address
// (ws://localhost:8080/ws), the one Dial takes, so that a program that
// knows one need not derive the other. A path before /ws is kept, for a
// server mounted under a prefix.
func NewAPI(server string, opts APIOptions) (*API, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("client: server address: %w", err)
	}
	p := strings.TrimSuffix(u.Path, "/")
	switch u.Scheme {
	case "http", "https":
	case "ws", "wss":
		prefix, ok := strings.CutSuffix(p, "/ws")
		if !ok && p != "" {
			return nil, fmt.Errorf("client: server address %q: want the WebSocket address, ending in /ws", server)
		}
		p = prefix
		u.Scheme = "http" + strings.TrimPrefix(u.Scheme, "ws")
	default:
		return nil, fmt.Errorf("client: server address %q: want http(s):// or ws(s)://", server)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: server address %q: no host", server)
	}
	base := &url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: p}
	hc := opts.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	return &API{base: base, hc: hc, secret: opts.JoinSecret}, nil
}

// WebSocketURL returns the server's WebSocket address, the one Dial takes,
// to spend a reservation on.
func (a *API) WebSocketURL() string {
	u := *a.base
	u.Scheme = "ws" + strings.TrimPrefix(u.Scheme, "http")
	u.Path += "/ws"
	return u.String()
}

// RoomFilter selects rooms in a listing. Zero fields match everything.
type RoomFilter struct {
	// Game keeps the rooms of one game type; a game the server does not
	// host is an error (404).
	Game string
	// Free keeps the rooms with at least this many free seats; 0 or less
	// keeps them all.
	Free int
	// Limit is the most rooms one page holds; 0 or less means the
	// server's default (50), and the server caps it (200).
	Limit int
	// Cursor starts the page after the one that gave it (RoomPage.Next);
	// empty starts at the first page.
	Cursor string
}

// RoomPage is one page of a room listing.
type RoomPage struct {
	// Rooms are ordered by id.
	Rooms []netcode.RoomInfo
	// Next is the cursor of the following page, for RoomFilter.Cursor;
	// empty on the last page.
	Next string
}

// ListRooms returns one page of the server's public rooms that match f.
// The listing needs no join secret.
func (a *API) ListRooms(ctx context.Context, f RoomFilter) (RoomPage, error) {
	q := url.Values{}
	if f.Game != "" {
		q.Set("game", f.Game)
	}
	if f.Free > 0 {
		q.Set("free", strconv.Itoa(f.Free))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Cursor != "" {
		q.Set("cursor", f.Cursor)
	}
	var page RoomPage
	h, err := a.do(ctx, http.MethodGet, "/api/rooms", q, nil, &page.Rooms)
	if err != nil {
		return RoomPage{}, err
	}
	if page.Next, err = nextCursor(h); err != nil {
		return RoomPage{}, fmt.Errorf("client: GET /api/rooms: next page: %w", err)
	}
	return page, nil
}

// CreateRoom creates a room without taking a seat in it and returns its
// entry; players join it by id. A room nobody joins is disposed of after
// the server's empty timeout.
func (a *API) CreateRoom(ctx context.Context, req netcode.CreateRequest) (netcode.RoomInfo, error) {
	var info netcode.RoomInfo
	_, err := a.do(ctx, http.MethodPost, "/api/rooms", nil, req, &info)
	return info, err
}

// Matchmake reserves a seat as req asks. The reservation is spent by
// dialing with Hello.Reservation set to its Token, from the same address,
// before it expires.
func (a *API) Matchmake(ctx context.Context, req netcode.MatchmakeRequest) (netcode.Reservation, error) {
	var res netcode.Reservation
	_, err := a.do(ctx, http.MethodPost, "/api/matchmake", nil, req, &res)
	return res, err
}

// do sends a request with body (JSON; nil for none) and decodes a
// successful answer into out. It returns the answer's header.
func (a *API) do(ctx context.Context, method, path string, query url.Values, body, out any) (http.Header, error) {
	return a.doWith(ctx, method, path, query, nil, body, out)
}

// doWith is do with more request headers.
func (a *API) doWith(ctx context.Context, method, path string, query url.Values, header http.Header, body, out any) (http.Header, error) {
	u := *a.base
	u.Path += path
	u.RawQuery = query.Encode()
	op := method + " " + u.RequestURI()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: %s: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.secret != "" {
		req.Header.Set("Authorization", "Bearer "+a.secret)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("client: %s: read answer: %w", op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(op, resp, data)
	}
	if len(data) > maxAPIAnswer {
		return nil, fmt.Errorf("client: %s: answer over %d bytes", op, maxAPIAnswer)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("client: %s: decode answer: %w", op, err)
	}
	return resp.Header, nil
}

// nextCursor reads the cursor of the next page from a listing's
// Link: <...>; rel="next" header; "" when there is none.
func nextCursor(h http.Header) (string, error) {
	for _, v := range h.Values("Link") {
		for link := range strings.SplitSeq(v, ",") {
			target, params, _ := strings.Cut(link, ";")
			if !isNext(params) {
				continue
			}
			target = strings.TrimSpace(target)
			if len(target) < 2 || target[0] != '<' || target[len(target)-1] != '>' {
				return "", fmt.Errorf("link %q: want <address>", target)
			}
			next, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				return "", fmt.Errorf("link: %w", err)
			}
			cursor := next.Query().Get("cursor")
			if cursor == "" {
				return "", fmt.Errorf("link %q: no cursor", target)
			}
			return cursor, nil
		}
	}
	return "", nil
}

// isNext reports whether a link's parameters hold rel="next".
func isNext(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		name, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(name, "rel") && slices.Contains(strings.Fields(strings.Trim(v, `"`)), "next") {
			return true
		}
	}
	return false
}

// APIError is an API request's error answer. StatusCode is what a program
// decides on (http.StatusConflict for a full room, and the others of
// docs/protocol.md); Message is for logs and for a person.
type APIError struct {
	// Op is the request, e.g. "POST /api/matchmake".
	Op         string
	StatusCode int
	// Message is the server's error text, or the answer's body when it is
	// not an API error body (e.g. a proxy's page).
	Message string
	// RetryAfter is how long the server asks the client to wait before it
	// tries again (Retry-After, sent with 429); 0 when it did not say.
	RetryAfter time.Duration
}

// Error says which request failed, with its status and the server's text.
func (e *APIError) Error() string {
	s := fmt.Sprintf("client: %s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// maxErrorText bounds the Message of an answer that is not an API error
// body.
const maxErrorText = 256

func newAPIError(op string, resp *http.Response, data []byte) *APIError {
	e := &APIError{Op: op, StatusCode: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	var body netcode.ErrorBody
	if err := json.Unmarshal(data, &body); err == nil && body.Error != "" {
		e.Message = body.Error
		return e
	}
	text := data[:min(len(data), maxErrorText)]
	e.Message = strings.ToValidUTF8(string(bytes.TrimSpace(text)), "")
	return e
}

// retryAfter reads a Retry-After header: seconds, as tickroom sends it, or
// a date, as a proxy may.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}
