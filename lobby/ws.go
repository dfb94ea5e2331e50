package lobby

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// quickPlayAttempts bounds join-or-create retries when rooms fill or close
// between finding them and joining them.
const quickPlayAttempts = 4

// serveWS is the WebSocket endpoint: handshake, hello, join, then the
// connection runs in this goroutine until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.track() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{netcode.Subprotocol},
		OriginPatterns: s.cfg.OriginPatterns,
	})
	if err != nil {
		s.log.Debug("websocket accept failed", LogRemote, r.RemoteAddr, "err", err)
		return
	}
	log := s.log.With(LogRemote, r.RemoteAddr)
	if !netcode.CheckSubprotocol(ws) {
		log.Info("client rejected: wrong protocol version", "offered", r.Header.Get("Sec-WebSocket-Protocol"))
		return
	}
	conn := netcode.NewConn(ws, s.cfg.Conn, log)
	hello, err := conn.ReadHello(s.ctx)
	if err != nil {
		log.Info("client rejected: no valid hello", "err", err)
		return
	}
	room, m, err := s.admit(s.ctx, conn, hello)
	if err != nil {
		code, reason := joinCloseCode(err)
		log.Info("join refused", LogCode, code, "err", err)
		conn.Reject(code, reason)
		return
	}
	log = log.With(LogRoom, room.id, LogPlayer, m.player)
	conn.Run(s.ctx, m)
	code, reason := conn.CloseStatus()
	log.Debug("connection closed", LogCode, netcode.CloseName(code), LogReason, reason)
	// The room reads its queue until it ends, so this wait is bounded.
	_ = room.send(context.Background(), &leaveCmd{m: m})
}

// admit finds the room a hello asks for and joins it.
func (s *Server) admit(ctx context.Context, conn *netcode.Conn, h *netcode.Hello) (*Room, *member, error) {
	if h.Room != "" {
		room, ok := s.Room(h.Room)
		if !ok {
			return nil, nil, ErrRoomNotFound
		}
		m, err := room.admit(ctx, conn, h)
		return room, m, err
	}
	var err error
	for range quickPlayAttempts {
		room := s.openRoom(h.Game)
		if room == nil {
			if room, err = s.CreateRoom(ctx, h.Game, RoomConfig{}); err != nil {
				return nil, nil, err
			}
		}
		var m *member
		m, err = room.admit(ctx, conn, h)
		if errors.Is(err, ErrRoomFull) || errors.Is(err, ErrRoomClosed) {
			continue
		}
		return room, m, err
	}
	return nil, nil, err
}

// openRoom picks the fullest public room of the game with a free seat, so
// that players meet each other rather than spreading thin.
func (s *Server) openRoom(gameName string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.gameType(gameName)
	if err != nil {
		return nil
	}
	var best *Room
	bestPlayers := -1
	for _, r := range s.rooms {
		p := int(r.stats.players.Load())
		if r.game != t.Name || r.cfg.Private || p >= r.cfg.MaxPlayers {
			continue
		}
		if p > bestPlayers || (p == bestPlayers && r.id < best.id) {
			best, bestPlayers = r, p
		}
	}
	return best
}

// admit asks the room goroutine to add the connection.
func (r *Room) admit(ctx context.Context, conn *netcode.Conn, h *netcode.Hello) (*member, error) {
	ctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	j := &joinCmd{conn: conn, hello: h, reply: make(chan joinResult, 1)}
	if err := r.send(ctx, j); err != nil {
		return nil, err
	}
	res, err := await(ctx, r, j.reply)
	if err != nil && !j.abandon() {
		// The room took the join as the wait ended: its reply is due.
		res, err = <-j.reply, nil
	}
	if err != nil {
		return nil, err
	}
	return res.m, res.err
}

func joinCloseCode(err error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(err, ErrRoomNotFound):
		return netcode.CloseRoomNotFound, "room not found"
	case errors.Is(err, ErrUnknownGame):
		return netcode.CloseRoomNotFound, err.Error()
	case errors.Is(err, ErrRoomFull):
		return netcode.CloseRoomFull, "room full"
	case errors.Is(err, ErrRoomClosed):
		return netcode.CloseRoomClosed, "room closed"
	case errors.Is(err, game.ErrRejected):
		return netcode.CloseRoomFull, err.Error()
	case errors.Is(err, context.Canceled):
		return netcode.CloseShuttingDown, "server shutting down"
	}
	return websocket.StatusInternalError, "join failed"
}
