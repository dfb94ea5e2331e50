package lobby

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// The read API of what the server keeps (docs/protocol.md, "HTTP API"):
// leaderboards, a player's records, recent matches. Each answers 503 when
// the server has no Store or the database fails, so that a page can show
// the game without them.

// Limits of the records API.
const (
	DefaultLeaderboardLimit = 10
	MaxLeaderboardLimit     = 100
	DefaultMatchesLimit     = 10
	MaxMatchesLimit         = 50
	// playerRecent is how many results a player's records list.
	playerRecent = 10
	// recordsTimeout bounds the database's answer to one request.
	recordsTimeout = 5 * time.Second
)

// PlayerKeyHeader carries the player key of GET /api/players/me. It is a
// secret: never logged.
const PlayerKeyHeader = "X-Player-Key"

// Errors of the records API.
var (
	ErrNoStore      = errors.New("this server keeps no records (it runs without a store)")
	ErrStoreFailed  = errors.New("records unavailable: the database failed; try again later")
	ErrNoPlayerKey  = errors.New("missing " + PlayerKeyHeader + " header (the player key)")
	ErrUnknownKey   = errors.New("no player has this key")
	ErrNoSuchPlayer = errors.New("no such player")
)

// Leaderboard periods: how far back a board looks.
var periods = map[string]time.Duration{"day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "all": 0}

func (s *Server) mountRecords() {
	s.mux.HandleFunc("GET /api/leaderboard", s.serveLeaderboard)
	s.mux.HandleFunc("GET /api/players/me", s.servePlayerMe)
	s.mux.HandleFunc("GET /api/players/{id}", s.servePlayer)
	s.mux.HandleFunc("GET /api/matches", s.serveMatches)
}

// recordsQuery checks what every records request has: a Store, and a
// game (default: the server's default game) that the server hosts.
func (s *Server) recordsQuery(w http.ResponseWriter, q url.Values) (string, bool) {
	if s.cfg.Store == nil {
		writeError(w, http.StatusServiceUnavailable, ErrNoStore)
		return "", false
	}
	s.mu.Lock()
	t, err := s.gameType(q.Get("game"))
	s.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("game %q: %w", truncateUTF8(q.Get("game"), 32), ErrUnknownGame)
		writeError(w, errorStatus(err), err)
		return "", false
	}
	return t.Name, true
}

// intParam reads an integer query parameter in lo..hi, def when absent.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s=%q: want an integer in %d..%d", ErrBadRequest, name, truncateUTF8(v, 16), lo, hi)
	}
	return n, nil
}

// storeFailed answers a request that the database failed, logging why
// (rate-limited: clients can make the database fail at will).
func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.clientLog.log(s.log, slog.LevelWarn, "records request failed", "path", r.URL.Path, "err", err.Error())
	writeError(w, http.StatusServiceUnavailable, ErrStoreFailed)
}

func (s *Server) serveLeaderboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	game, ok := s.recordsQuery(w, q)
	if !ok {
		return
	}
	period := q.Get("period")
	if period == "" {
		period = "all"
	}
	back, known := periods[period]
	if !known {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: period=%q: want day, week or all", ErrBadRequest, truncateUTF8(period, 16)))
		return
	}
	limit, err := intParam(q, "limit", DefaultLeaderboardLimit, 1, MaxLeaderboardLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), recordsTimeout)
	defer cancel()
	entries, err := s.cfg.Store.Leaderboard(ctx, game, s.since(back), limit)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	out := netcode.Leaderboard{Game: game, Period: period, Entries: make([]netcode.LeaderboardEntry, 0, len(entries))}
	for _, e := range entries {
		out.Entries = append(out.Entries, netcode.LeaderboardEntry{Rank: e.Rank, Player: e.Player, Name: e.Name, Score: e.Score, At: e.At.UTC()})
	}
	writeJSON(w, http.StatusOK, out)
}

// since is the start of a board that looks back that far; the zero time
// (all time) for 0.
func (s *Server) since(back time.Duration) time.Time {
	if back == 0 {
		return time.Time{}
	}
	return s.cfg.Clock.Now().Add(-back)
}

// servePlayerMe answers a player's own records, found by the key in
// X-Player-Key. It never creates a player: an unknown key is 404, and
// costs the address one of its failed lookups, so that keys cannot be
// guessed at speed.
func (s *Server) servePlayerMe(w http.ResponseWriter, r *http.Request) {
	game, ok := s.recordsQuery(w, r.URL.Query())
	if !ok {
		return
	}
	key := r.Header.Get(PlayerKeyHeader)
	if key == "" {
		writeError(w, http.StatusUnauthorized, ErrNoPlayerKey)
		return
	}
	if err := netcode.CheckKey(key); err != nil {
		writeError(w, http.StatusUnauthorized, err) // the error quotes nothing of the key
		return
	}
	addr := remoteIP(r)
	if err := s.addrs.lookupAllowed(addr); err != nil {
		writeError(w, http.StatusTooManyRequests, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), recordsTimeout)
	defer cancel()
	p, err := s.cfg.Store.FindPlayerByKey(ctx, store.HashKey([]byte(key)))
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.addrs.lookupFailed(addr)
		writeError(w, http.StatusNotFound, ErrUnknownKey)
		return
	case err != nil:
		s.storeFailed(w, r, err)
		return
	}
	s.serveRecords(ctx, w, r, p, game, true)
}

// servePlayer answers a player's public records, by stable id.
func (s *Server) servePlayer(w http.ResponseWriter, r *http.Request) {
	game, ok := s.recordsQuery(w, r.URL.Query())
	if !ok {
		return
	}
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: player id %q: want a positive integer", ErrBadRequest, truncateUTF8(v, 24)))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), recordsTimeout)
	defer cancel()
	p, err := s.cfg.Store.Player(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("player %d: %w", id, ErrNoSuchPlayer))
		return
	case err != nil:
		s.storeFailed(w, r, err)
		return
	}
	s.serveRecords(ctx, w, r, p, game, false)
}

// serveRecords answers p's records in game; lastSeen only for its owner.
func (s *Server) serveRecords(ctx context.Context, w http.ResponseWriter, r *http.Request, p store.Player, game string, lastSeen bool) {
	out := netcode.PlayerRecords{ID: p.ID, Name: p.Name, Created: p.Created.UTC()}
	if lastSeen {
		seen := p.LastSeen.UTC()
		out.LastSeen = &seen
	}
	for _, b := range []struct {
		back time.Duration
		dst  **netcode.PlayerBest
	}{{periods["day"], &out.Best.Day}, {periods["week"], &out.Best.Week}, {0, &out.Best.All}} {
		e, err := s.cfg.Store.Best(ctx, game, p.ID, s.since(b.back))
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			s.storeFailed(w, r, err)
			return
		default:
			*b.dst = &netcode.PlayerBest{Rank: e.Rank, Score: e.Score, At: e.At.UTC()}
		}
	}
	results, err := s.cfg.Store.PlayerResults(ctx, p.ID, game, playerRecent)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	out.Recent = make([]netcode.PlayerResult, 0, len(results))
	for _, res := range results {
		out.Recent = append(out.Recent, netcode.PlayerResult{
			Room: res.Room, Score: res.Score, Kills: res.Kills, Cause: res.Cause, LifeTicks: res.LifeTicks, At: res.At.UTC(),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveMatches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	game, ok := s.recordsQuery(w, q)
	if !ok {
		return
	}
	limit, err := intParam(q, "limit", DefaultMatchesLimit, 1, MaxMatchesLimit)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), recordsTimeout)
	defer cancel()
	matches, err := s.cfg.Store.RecentMatches(ctx, game, limit)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	out := netcode.Matches{Matches: make([]netcode.Match, 0, len(matches))}
	for _, m := range matches {
		players := make([]netcode.MatchPlayer, 0, len(m.Players))
		for _, p := range m.Players {
			players = append(players, netcode.MatchPlayer{Player: p.Player, Name: p.Name, Score: p.Score, Kills: p.Kills})
		}
		out.Matches = append(out.Matches, netcode.Match{Game: m.Game, Room: m.Room, Started: m.Started.UTC(), Ended: m.Ended.UTC(), Players: players})
	}
	writeJSON(w, http.StatusOK, out)
}
