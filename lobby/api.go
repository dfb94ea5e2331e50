package lobby

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// maxAPIBody bounds a JSON request body.
const maxAPIBody = 4 << 10

// ErrBadRequest marks a request that cannot be honoured as asked.
var ErrBadRequest = errors.New("bad request")

func (s *Server) mountAPI() {
	s.mux.HandleFunc("GET /api/rooms", s.serveRooms)
	s.mux.HandleFunc("POST /api/rooms", s.serveCreateRoom)
	s.mux.HandleFunc("POST /api/matchmake", s.serveMatchmake)
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Error: err.Error()})
}

// errorStatus maps lobby errors to HTTP statuses.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrRoomNotFound), errors.Is(err, ErrUnknownGame):
		return http.StatusNotFound
	case errors.Is(err, ErrRoomFull), errors.Is(err, ErrRoomLocked), errors.Is(err, ErrRoomClosed):
		return http.StatusConflict
	case errors.Is(err, ErrDraining), errors.Is(err, ErrTooManyRooms):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}

// serveRooms lists public rooms: GET /api/rooms?game=snake&free=1
func (s *Server) serveRooms(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{Game: q.Get("game")}
	if v := q.Get("free"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("free=%q: want a non-negative integer", v))
			return
		}
		f.MinFree = n
	}
	rooms, err := s.reg.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusBadGateway, fmt.Errorf("room registry: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, rooms)
}

// CreateRequest is the body of POST /api/rooms and of matchmaking with
// mode "create".
type CreateRequest struct {
	Game       string `json:"game"`
	Private    bool   `json:"private"`
	MaxPlayers int    `json:"maxPlayers"`
}

func (c CreateRequest) roomConfig() (RoomConfig, error) {
	if c.MaxPlayers < 0 {
		return RoomConfig{}, fmt.Errorf("%w: maxPlayers %d is negative", ErrBadRequest, c.MaxPlayers)
	}
	return RoomConfig{MaxPlayers: c.MaxPlayers, Private: c.Private}, nil
}

// MatchmakeRequest is the body of POST /api/matchmake.
type MatchmakeRequest struct {
	// Mode is "quick" (join or create; the default), "create" or "join".
	Mode string `json:"mode"`
	// Room is the room id for mode "join".
	Room string `json:"room"`
	CreateRequest
}

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
	var req CreateRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.authorize(r.Context(), AuthRequest{Op: OpCreate, Header: r.Header, RemoteAddr: r.RemoteAddr}); err != nil {
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	cfg, err := req.roomConfig()
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	room, err := s.CreateRoom(r.Context(), req.Game, cfg)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusCreated, room.info())
}

// serveMatchmake answers with a seat reservation that the client spends in
// its hello.
func (s *Server) serveMatchmake(w http.ResponseWriter, r *http.Request) {
	var req MatchmakeRequest
	if err := decodeBody(w, r, &req); err != nil {
		s.met.matchmake.WithLabelValues("400").Inc()
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.authorize(r.Context(), AuthRequest{Op: OpMatchmake, Header: r.Header, RemoteAddr: r.RemoteAddr}); err != nil {
		s.met.matchmake.WithLabelValues("401").Inc()
		writeError(w, http.StatusUnauthorized, err)
		return
	}
	if s.draining() {
		s.met.matchmake.WithLabelValues("503").Inc()
		writeError(w, http.StatusServiceUnavailable, ErrDraining)
		return
	}
	res, err := s.Matchmake(r.Context(), req)
	if err != nil {
		s.met.matchmake.WithLabelValues(strconv.Itoa(errorStatus(err))).Inc()
		writeError(w, errorStatus(err), err)
		return
	}
	s.met.matchmake.WithLabelValues("200").Inc()
	writeJSON(w, http.StatusOK, res)
}

// Matchmake reserves a seat as req asks.
func (s *Server) Matchmake(ctx context.Context, req MatchmakeRequest) (Reservation, error) {
	switch req.Mode {
	case "join":
		room, ok := s.Room(req.Room)
		if !ok {
			return Reservation{}, fmt.Errorf("room %q: %w", req.Room, ErrRoomNotFound)
		}
		return room.Reserve(ctx)
	case "create":
		cfg, err := req.roomConfig()
		if err != nil {
			return Reservation{}, err
		}
		room, err := s.CreateRoom(ctx, req.Game, cfg)
		if err != nil {
			return Reservation{}, err
		}
		return room.Reserve(ctx)
	case "", "quick":
		var err error
		for range quickPlayAttempts {
			room := s.openRoom(req.Game)
			if room == nil {
				if room, err = s.CreateRoom(ctx, req.Game, RoomConfig{}); err != nil {
					return Reservation{}, err
				}
			}
			var res Reservation
			res, err = room.Reserve(ctx)
			if errors.Is(err, ErrRoomFull) || errors.Is(err, ErrRoomClosed) || errors.Is(err, ErrRoomLocked) {
				continue
			}
			return res, err
		}
		return Reservation{}, err
	}
	return Reservation{}, fmt.Errorf("%w: mode %q: want quick, create or join", ErrBadRequest, req.Mode)
}
