package admin

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tickroom/tickroom/lobby"
)

//go:embed page.html
var page []byte

// State is what /admin/api/state returns.
type State struct {
	Time    time.Time   `json:"time"`
	Uptime  float64     `json:"uptimeSeconds"`
	Rooms   []RoomState `json:"rooms"`
	Players int         `json:"players"`
}

// RoomState is one room's health.
type RoomState struct {
	lobby.RoomInfo
	TickRate     int           `json:"tickRate"`
	Tick         uint32        `json:"tick"`
	Away         int           `json:"away"`
	Spectators   int           `json:"spectators"`
	Reserved     int           `json:"reserved"`
	Steps        uint64        `json:"steps"`
	Overruns     uint64        `json:"overruns"`
	SkippedTicks uint64        `json:"skippedTicks"`
	CatchUps     uint64        `json:"catchUpSteps"`
	MaxStepMs    float64       `json:"maxStepMs"`
	LastStepMs   float64       `json:"lastStepMs"`
	MaxLateMs    float64       `json:"maxLatenessMs"`
	SnapshotSize int           `json:"snapshotBytes"`
	Members      []MemberState `json:"members"`
}

// MemberState is one member's connection health.
type MemberState struct {
	Player      uint32  `json:"player"`
	Name        string  `json:"name"`
	Spectator   bool    `json:"spectator"`
	AwaySeconds float64 `json:"awaySeconds"`
	RTTMs       float64 `json:"rttMs"`
	Written     uint64  `json:"snapshotsWritten"`
	Conflated   uint64  `json:"snapshotsConflated"`
	Reliable    uint64  `json:"reliableWritten"`
	Depth       int     `json:"reliableDepth"`
	Bytes       uint64  `json:"bytesWritten"`
	Dropped     uint64  `json:"inputsDropped"`
	BadMessages uint64  `json:"badMessages"`
	Closing     string  `json:"closing,omitempty"`
}

// Handler serves the admin page and its data. An empty token disables the
// view: every request gets 404 with a hint.
func Handler(srv *lobby.Server, token string) http.Handler {
	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		if !allowed(r.URL.Query().Get("token"), token) {
			http.Error(w, "unauthorized: open /admin?token=<the server's admin token>", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		w.Write(page)
	})
	mux.HandleFunc("GET /admin/api/state", func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !allowed(bearer, token) {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		st := state(ctx, srv)
		st.Uptime = time.Since(start).Seconds()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(st)
	})
	if token == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "admin view disabled: start the server with --admin-token", http.StatusNotFound)
		})
	}
	return mux
}

func allowed(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func state(ctx context.Context, srv *lobby.Server) State {
	st := State{Time: time.Now(), Rooms: []RoomState{}}
	for _, r := range srv.Rooms() {
		s := r.Stats()
		cfg := r.Config()
		rs := RoomState{
			RoomInfo: lobby.RoomInfo{
				ID: r.ID(), Game: r.Game(), Players: s.Players, MaxPlayers: cfg.MaxPlayers,
				Locked: s.Locked, Private: cfg.Private,
			},
			TickRate: cfg.TickRate, Tick: s.Tick, Away: s.Away, Spectators: s.Spectators, Reserved: s.Reserved,
			Steps: s.Steps, Overruns: s.Overruns, SkippedTicks: s.SkippedTicks, CatchUps: s.CatchUpSteps,
			MaxStepMs: ms(s.MaxStep), LastStepMs: ms(s.LastStep), MaxLateMs: ms(s.MaxLateness),
			SnapshotSize: s.SnapshotBytes, Members: []MemberState{},
		}
		st.Players += s.Players
		members, err := r.Members(ctx)
		if err != nil {
			continue // the room ended while we looked
		}
		for _, m := range members {
			row := MemberState{
				Player: m.Player, Name: m.Name, Spectator: m.Spectator, AwaySeconds: m.Away.Seconds(),
				RTTMs: ms(m.Conn.RTT), Written: m.Conn.SnapshotsWritten, Conflated: m.Conn.SnapshotsConflated,
				Reliable: m.Conn.ReliableWritten, Depth: m.Conn.ReliableDepth, Bytes: m.Conn.BytesWritten,
				Dropped: m.Conn.InputsDropped, BadMessages: m.Conn.BadMessages,
			}
			if m.CloseCode != 0 {
				row.Closing = m.CloseReason
			}
			rs.Members = append(rs.Members, row)
		}
		st.Rooms = append(st.Rooms, rs)
	}
	return st
}
