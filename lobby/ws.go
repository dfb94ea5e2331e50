package lobby

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// quickPlayAttempts bounds join-or-create retries when rooms fill or close
// between finding them and joining them.
const quickPlayAttempts = 4

// serveWS is the WebSocket endpoint: handshake, hello and join, then it
// hands the connection to a goroutine of its own and returns.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.track() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	// The http.Server's read and write timeouts bound slow HTTP clients;
	// a WebSocket lives for the whole game, and netcode bounds its writes
	// and reads itself. net/http (1.26) clears a connection's deadlines when
	// it is hijacked; clearing them here too keeps /ws safe behind any
	// http.Server or wrapper that does not. A ResponseWriter that cannot
	// (a test's) has none to clear.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	sock, err := netcode.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{netcode.Subprotocol},
		OriginPatterns: s.originPatterns(),
	})
	if err != nil {
		s.log.Debug("websocket accept failed", LogRemote, r.RemoteAddr, "err", err)
		return
	}
	s.met.connsOpened.Inc()
	// Attributes are passed at each call rather than bound with With,
	// which would copy the handler for every connection it lives as long
	// as.
	log := connLog{s.log, s.clientLog, []any{LogRemote, r.RemoteAddr}}
	ws := sock.WS
	if !netcode.CheckSubprotocol(ws) {
		log.Refused("client rejected: wrong protocol version", "offered", r.Header.Get("Sec-WebSocket-Protocol"))
		s.countClose(netcode.CloseBadVersion)
		return
	}
	ip := remoteIP(r)
	if reason := s.openConn(ip); reason != "" {
		log.Refused("client rejected: connection limit", "reason", reason)
		ws.Close(netcode.CloseTooManyConns, reason)
		s.countClose(netcode.CloseTooManyConns)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			s.closeConn(ip)
		}
	}()
	conn := netcode.NewConn(sock, s.cfg.Conn, s.writers)
	hello, err := conn.ReadHello(s.ctx)
	if err != nil {
		log.Refused("client rejected: no valid hello", "err", err.Error())
		if errors.Is(err, netcode.ErrHelloTimeout) {
			s.countClose(netcode.CloseHelloTimeout)
		} else {
			s.countClose(netcode.CloseBadHello)
		}
		return
	}
	if err := netcode.CheckKey(hello.Key); err != nil {
		// The error says what is wrong without the key.
		log.Refused("client rejected: bad player key", "err", err.Error())
		conn.Reject(netcode.CloseBadHello, err.Error())
		s.countClose(netcode.CloseBadHello)
		return
	}
	if s.draining() {
		// A cluster has other nodes for quick play; a room named by id or
		// token is here, and ends with the drain.
		if url, ok := s.placeElsewhere(); ok && hello.Session == "" && hello.Room == "" && hello.Reservation == "" && len(url) <= maxCloseReason {
			conn.Reject(netcode.CloseRedirect, url)
			s.countClose(netcode.CloseRedirect)
			return
		}
		conn.Reject(netcode.CloseShuttingDown, "server draining: try another server")
		s.countClose(netcode.CloseShuttingDown)
		return
	}
	who, err := s.authorize(r.Context(), AuthRequest{Op: OpJoin, Hello: hello, Header: r.Header, RemoteAddr: r.RemoteAddr})
	if err != nil {
		log.Refused("join refused by auth", "err", err.Error())
		conn.Reject(netcode.CloseUnauthorized, err.Error())
		s.countClose(netcode.CloseUnauthorized)
		return
	}
	if who.Name != "" {
		hello.Name = who.Name
	}
	stable := s.identify(s.ctx, hello, log)
	room, m, err := s.routeHello(s.ctx, conn, hello, ip, who, stable)
	if err != nil {
		code, reason := joinCloseCode(err)
		log.Refused("join refused", LogCode, netcode.CloseName(code), "err", err.Error())
		conn.Reject(code, reason)
		s.countClose(code)
		return
	}
	log.attrs = append(log.attrs, LogRoom, room.id, LogPlayer, m.player)
	// This goroutine is net/http's, deep in its call stack, and the
	// handshake grew its stack; a fresh goroutine that reads the
	// connection for the rest of the game keeps a small one (it is the
	// connection's only goroutine). A hijacked connection outlives its
	// handler.
	handedOff = true
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.closeConn(ip)
		s.runConn(conn, room, m, log)
	}()
}

// runConn serves a joined connection until it ends, then tells its room.
func (s *Server) runConn(conn *netcode.Conn, room *Room, m *member, log connLog) {
	s.met.connStatsCache.add(conn)
	conn.Run(s.ctx, m)
	s.met.connStatsCache.remove(conn)
	code, reason := conn.CloseStatus()
	s.countClose(code)
	log.Debug("connection closed", LogCode, netcode.CloseName(code), LogReason, reason)
	// The room reads its queue until it ends, so this wait is bounded.
	_ = room.send(context.Background(), &goneCmd{m: m, conn: conn, code: code})
}

// routeHello finds the room a hello from addr asks for and joins it, or
// says which server of the cluster hosts it (RedirectError).
//
// who restricts the room: the room's id is checked before it is looked
// up, its game after, and quick play gets who's game. stable is the
// player's stable id (identify), 0 for a guest.
func (s *Server) routeHello(ctx context.Context, conn *netcode.Conn, h *netcode.Hello, addr string, who Identity, stable int64) (*Room, *member, error) {
	id := h.Room
	switch {
	case h.Session != "":
		id = tokenRoom(h.Session)
	case h.Reservation != "":
		id = tokenRoom(h.Reservation)
	}
	if id != "" {
		if err := who.allowRoom(id); err != nil {
			return nil, nil, err
		}
		room, err := s.lookup(addr, id, h)
		if err != nil {
			return nil, nil, err
		}
		if err := who.allowGame(room.game); err != nil {
			return nil, nil, err
		}
		m, err := room.admit(ctx, conn, h, addr, who.Subject, stable, nil)
		if errors.Is(err, ErrBadSession) || errors.Is(err, ErrBadReservation) {
			s.addrs.lookupFailed(addr)
		}
		return room, m, err
	}
	var err error
	if h.Game, err = who.newRoomGame(h.Game); err != nil {
		return nil, nil, err
	}
	if node, _, ok := s.quickPlayElsewhere(ctx, h.Game); ok {
		return nil, nil, &RedirectError{URL: node}
	}
	var m *member
	room, err := s.quickPlay(ctx, h.Game, func(r *Room, cl *claim) (err error) {
		m, err = r.admit(ctx, conn, h, addr, who.Subject, stable, cl)
		return err
	})
	return room, m, err
}

// quickPlay finds the fullest open room of the game, or creates one, and
// runs take on it (a join, a reservation), again when the room filled,
// locked or closed in between. Finding and creating are one step under
// quickMu, so that players arriving together fill one new room rather than
// each making their own.
func (s *Server) quickPlay(ctx context.Context, gameName string, take func(*Room, *claim) error) (*Room, error) {
	var err error
	for range quickPlayAttempts {
		s.quickMu.Lock()
		room := s.openRoom(gameName)
		if room == nil {
			room, err = s.CreateRoom(ctx, gameName, RoomConfig{})
		}
		var cl *claim
		if err == nil {
			cl = room.claim()
		}
		s.quickMu.Unlock()
		if err != nil {
			return nil, err
		}
		err = take(room, cl)
		cl.release()
		if errors.Is(err, ErrRoomFull) || errors.Is(err, ErrRoomClosed) || errors.Is(err, ErrRoomLocked) {
			continue
		}
		return room, err
	}
	return nil, err
}

// lookup finds the room a client named by id or token. A failed lookup
// costs the address one of its failed lookups, and an address that has
// spent them is refused before anything is looked up, so that private room
// ids and tokens cannot be guessed at speed.
func (s *Server) lookup(addr, id string, h *netcode.Hello) (*Room, error) {
	if err := s.addrs.lookupAllowed(addr); err != nil {
		return nil, err
	}
	room, ok := s.Room(id)
	if ok {
		return room, nil
	}
	if info, ok := s.remoteRoom(context.Background(), id); ok {
		return nil, &RedirectError{URL: info.Node}
	}
	s.addrs.lookupFailed(addr)
	switch {
	case h != nil && h.Session != "":
		return nil, ErrBadSession
	case h != nil && h.Reservation != "":
		return nil, ErrBadReservation
	}
	return nil, fmt.Errorf("room %q: %w", truncateUTF8(id, 32), ErrRoomNotFound)
}

// openRoom picks the fullest public, unlocked room of the game with a free
// seat, so that players meet each other rather than spreading thin.
func (s *Server) openRoom(gameName string) *Room {
	r, _ := s.bestOpenRoom(gameName)
	return r
}

// openSeats is how many seats are taken in the room quick play would
// pick here, -1 when there is none.
func (s *Server) openSeats(gameName string) int {
	_, seats := s.bestOpenRoom(gameName)
	return seats
}

func (s *Server) bestOpenRoom(gameName string) (*Room, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.gameType(gameName)
	if err != nil {
		return nil, -1
	}
	var best *Room
	bestSeats := -1
	for _, r := range s.rooms {
		st := r.Stats()
		seats := st.Players + st.Reserved + int(r.claims.Load())
		if r.game != t.Name || r.cfg.Private || st.Locked || seats >= r.cfg.MaxPlayers {
			continue
		}
		if seats > bestSeats || (seats == bestSeats && r.id < best.id) {
			best, bestSeats = r, seats
		}
	}
	return best, bestSeats
}

// remoteIP is the peer's address without its port; proxies are not
// trusted, so a deployment behind one should limit connections there.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// connLog logs with a connection's attributes.
type connLog struct {
	log   *slog.Logger
	lim   *logLimiter
	attrs []any
}

// Refused logs a refusal the client caused: at info level, cut short and
// rate-limited with every other client-caused line.
func (l connLog) Refused(msg string, args ...any) {
	l.lim.log(l.log, slog.LevelInfo, msg, l.with(args)...)
}

func (l connLog) with(args []any) []any { return append(append([]any{}, l.attrs...), args...) }

func (l connLog) Debug(msg string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(msg, l.with(args)...)
	}
}

// countClose counts a connection closed (or refused) with code.
func (s *Server) countClose(code websocket.StatusCode) {
	s.met.connsClosed.WithLabelValues(netcode.CloseName(code)).Inc()
}
