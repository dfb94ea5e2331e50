package lobby

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tickroom/tickroom/netcode"
)

// maxAPIBody bounds a JSON request body.
const maxAPIBody = 4 << 10

// ErrBadRequest marks a request that cannot be honoured as asked.
var ErrBadRequest = errors.New("bad request")

func (s *Server) mountAPI() {
	s.mux.HandleFunc("GET /api/rooms", s.serveRooms)
	s.mux.Handle("POST /api/rooms", s.sameOrigin(http.HandlerFunc(s.serveCreateRoom)))
	s.mux.Handle("POST /api/matchmake", s.sameOrigin(http.HandlerFunc(s.serveMatchmake)))
	s.mountRecords()
}

// ErrCrossOrigin refuses a state-changing request from another site's page.
var ErrCrossOrigin = errors.New("cross-origin request refused")

// sameOrigin refuses requests that a page of another site sent: a browser
// sends a simple POST (text/plain, a form) cross-site without asking, so
// the API checks Origin as /ws does, against the host and OriginPatterns.
// Clients that are not browsers send no Origin and pass.
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, s.originPatterns()) {
			writeError(w, http.StatusForbidden, fmt.Errorf("%w: Origin %q", ErrCrossOrigin, truncateUTF8(origin, 64)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed matches an Origin the way coder/websocket's Accept does: the
// request's own host, or a host matching one of the patterns (path.Match,
// case-insensitive).
func originAllowed(origin, host string, patterns []string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	if wait := retryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
	writeJSON(w, status, netcode.ErrorBody{Error: err.Error()})
}

// Room listing pages: a listing answers at most MaxListPage rooms, and
// DefaultListPage when the request sets no limit.
const (
	DefaultListPage = 50
	MaxListPage     = 200
)

// serveRooms lists public rooms, a page at a time, ordered by id:
// GET /api/rooms?game=snake&free=1&limit=50&cursor=<last id of the page
// before>. When more rooms follow, a Link header (rel="next") gives the
// next page's address.
func (s *Server) serveRooms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Game: q.Get("game"), After: q.Get("cursor"), Limit: DefaultListPage}
	for _, p := range []struct {
		name     string
		v        *int
		min, max int
	}{{"free", &f.MinFree, 0, math.MaxInt32}, {"limit", &f.Limit, 1, MaxListPage}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < p.min || n > p.max {
			writeError(w, http.StatusBadRequest, fmt.Errorf("%w: %s=%q: want an integer in %d..%d", ErrBadRequest, p.name, truncateUTF8(v, 16), p.min, p.max))
			return
		}
		*p.v = n
	}
	if f.Game != "" {
		s.mu.Lock()
		_, known := s.types[f.Game]
		s.mu.Unlock()
		if !known {
			err := fmt.Errorf("game %q: %w", truncateUTF8(f.Game, 32), ErrUnknownGame)
			writeError(w, errorStatus(err), err)
			return
		}
	}
	page := f.Limit
	f.Limit++ // one more tells whether a next page exists
	rooms, err := s.reg.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("room registry: %w", err))
		return
	}
	if len(rooms) > page {
		rooms = rooms[:page]
		next := *r.URL
		q.Set("cursor", rooms[page-1].ID)
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.RequestURI()))
	}
	writeJSON(w, http.StatusOK, rooms)
}

// CreateRequest is the body of POST /api/rooms and of matchmaking with
// mode "create": netcode.CreateRequest, the wire type that clients share.
type CreateRequest = netcode.CreateRequest

// roomConfig checks what a client asked for against the server's limit of
// seats per room (its default room size): clients may ask for smaller
// rooms, never larger ones.
func roomConfig(c CreateRequest, maxPlayers int) (RoomConfig, error) {
	if maxPlayers <= 0 {
		maxPlayers = DefaultMaxPlayers
	}
	if c.MaxPlayers < 0 || c.MaxPlayers > maxPlayers {
		return RoomConfig{}, fmt.Errorf("%w: maxPlayers %d: want 1..%d (0 for %d)", ErrBadRequest, c.MaxPlayers, maxPlayers, maxPlayers)
	}
	return RoomConfig{MaxPlayers: c.MaxPlayers, Private: c.Private}, nil
}

// MatchmakeRequest is the body of POST /api/matchmake:
// netcode.MatchmakeRequest, the wire type that clients share.
type MatchmakeRequest = netcode.MatchmakeRequest

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %w", err)
	}
	return nil
}

// serveCreateRoom creates a room without taking a seat in it. An empty
// room is disposed of after the empty timeout.
func (s *Server) serveCreateRoom(w http.ResponseWriter, r *http.Request) {
	// Who asks is checked before what is asked: a client without the
	// join secret learns nothing about the body it sent.
	who, err := s.authorize(r.Context(), AuthRequest{Op: OpCreate, Header: r.Header, RemoteAddr: r.RemoteAddr})
	if err != nil {
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	var req CreateRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Game, err = who.newRoomGame(req.Game); err != nil {
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	cfg, err := roomConfig(req, s.cfg.Room.MaxPlayers)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	room, err := s.createRoomFor(r.Context(), remoteIP(r), req.Game, cfg)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, room.info())
}

// serveMatchmake answers with a seat reservation that the client spends in
// its hello.
func (s *Server) serveMatchmake(w http.ResponseWriter, r *http.Request) {
	who, err := s.authorize(r.Context(), AuthRequest{Op: OpMatchmake, Header: r.Header, RemoteAddr: r.RemoteAddr})
	if err != nil {
		s.met.matchmake.WithLabelValues("401").Inc()
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	var req MatchmakeRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.met.matchmake.WithLabelValues("400").Inc()
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if s.draining() {
		s.met.matchmake.WithLabelValues("503").Inc()
		writeError(w, http.StatusServiceUnavailable, ErrDraining)
		return
	}
	res, err := s.matchmake(r.Context(), remoteIP(r), req, who)
	if err != nil {
		s.met.matchmake.WithLabelValues(strconv.Itoa(errorStatus(err))).Inc()
		writeError(w, errorStatus(err), err)
		return
	}
	s.met.matchmake.WithLabelValues("200").Inc()
	writeJSON(w, http.StatusOK, res)
}

// Matchmake reserves a seat as req asks, for any client that holds the
// token, outside the per-address limits (for programs that embed the
// server and do their own admission).
func (s *Server) Matchmake(ctx context.Context, req MatchmakeRequest) (Reservation, error) {
	return s.matchmake(ctx, "", req, Identity{})
}

// matchmake reserves a seat for the client at addr ("" for none), within
// its limits: rooms it creates and reservations it holds count against it,
// and the reservation is bound to it. who restricts the room as it does a
// hello's (routeHello).
func (s *Server) matchmake(ctx context.Context, addr string, req MatchmakeRequest, who Identity) (Reservation, error) {
	create := s.CreateRoom
	if addr != "" {
		create = func(ctx context.Context, game string, cfg RoomConfig) (*Room, error) {
			return s.createRoomFor(ctx, addr, game, cfg)
		}
	}
	switch req.Mode {
	case netcode.MatchmakeJoin:
		if err := who.allowRoom(req.Room); err != nil {
			return Reservation{}, err
		}
		var room *Room
		var err error
		if addr != "" {
			room, err = s.lookup(addr, req.Room, nil)
		} else if r, ok := s.Room(req.Room); ok {
			room = r
		} else {
			err = fmt.Errorf("room %q: %w", req.Room, ErrRoomNotFound)
		}
		var elsewhere *RedirectError
		if errors.As(err, &elsewhere) && s.cfg.Cluster != nil {
			// The room's server alone decides about its seats.
			return s.cfg.Cluster.Reserve(ctx, elsewhere.URL, req.Room, addr)
		}
		if err == nil {
			err = who.allowGame(room.game)
		}
		if err != nil {
			return Reservation{}, err
		}
		return room.reserve(ctx, addr, nil)
	case netcode.MatchmakeCreate:
		cfg, err := roomConfig(req.CreateRequest, s.cfg.Room.MaxPlayers)
		if err != nil {
			return Reservation{}, err
		}
		if req.Game, err = who.newRoomGame(req.Game); err != nil {
			return Reservation{}, err
		}
		room, err := create(ctx, req.Game, cfg)
		if err != nil {
			return Reservation{}, err
		}
		return room.reserve(ctx, addr, nil)
	case "", netcode.MatchmakeQuick:
		// A room quick play makes gets this seat at once: it is not one of
		// the address's own rooms.
		game, err := who.newRoomGame(req.Game)
		if err != nil {
			return Reservation{}, err
		}
		// A room opens on the node asked: the seat service reserves in
		// rooms, it does not create them.
		if node, room, ok := s.quickPlayElsewhere(ctx, game); ok && room != "" {
			if res, err := s.cfg.Cluster.Reserve(ctx, node, room, addr); err == nil {
				return res, nil
			}
			// Filled meanwhile, or its node is gone: play here.
		}
		var res Reservation
		_, err = s.quickPlay(ctx, game, func(r *Room, cl *claim) (err error) {
			res, err = r.reserve(ctx, addr, cl)
			return err
		})
		return res, err
	}
	return Reservation{}, fmt.Errorf("%w: mode %q: want quick, create or join", ErrBadRequest, truncateUTF8(req.Mode, 16))
}
