package lobby

// track registers a connection goroutine unless the server is closing.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// Connections returns how many WebSocket connections the server has open.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// openConn counts a new connection, or says why it is refused. Addresses
// are counted as the other per-address limits count them (an IPv6 /64 is
// one address), so that one client cannot take 2^64 addresses' worth.
func (s *Server) openConn(ip string) string {
	ip = addrKey(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.MaxConns >= 0 && s.conns >= s.cfg.MaxConns {
		return "server full: too many connections"
	}
	if s.cfg.MaxConnsPerIP >= 0 && s.connsPer[ip] >= s.cfg.MaxConnsPerIP {
		return "too many connections from your address"
	}
	s.conns++
	s.connsPer[ip]++
	return ""
}

func (s *Server) closeConn(ip string) {
	ip = addrKey(ip)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns--
	if s.connsPer[ip]--; s.connsPer[ip] <= 0 {
		delete(s.connsPer, ip)
	}
}
