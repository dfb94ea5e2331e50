package lobby

import (
	"context"
	"slices"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// A Registry that several servers share (the cluster package's) lists the
// rooms of them all, each with its server's URL in RoomInfo.Node. A hello
// for a room this server does not host, but the registry does, is sent
// there: the client is closed with netcode.CloseRedirect and the URL, and
// sends the same hello to that server, which alone decides about its
// seats.

// RedirectError says that a hello belongs to another server.
type RedirectError struct {
	// URL is the WebSocket URL of the server that hosts the room.
	URL string
}

func (e *RedirectError) Error() string { return "hosted by " + e.URL }

// registryTimeout bounds a registry lookup made for a hello; a shared
// registry answers from its local copy.
const registryTimeout = time.Second

// originPatterns are the hosts whose pages may use this server: the
// configured ones and, in a cluster, every node's.
func (s *Server) originPatterns() []string {
	if s.cfg.Cluster == nil {
		return s.cfg.OriginPatterns
	}
	return append(slices.Clip(s.cfg.OriginPatterns), s.cfg.Cluster.Origins()...)
}

// placeElsewhere returns the URL of the node where a room quick play is
// about to open should go, when that is not this one.
func (s *Server) placeElsewhere() (string, bool) {
	if s.cfg.Cluster == nil {
		return "", false
	}
	url := s.cfg.Cluster.PlaceRoom()
	return url, url != ""
}

// remoteRoom returns the entry of a room that another server of the
// cluster hosts; without a cluster every room is here or nowhere.
func (s *Server) remoteRoom(ctx context.Context, id string) (netcode.RoomInfo, bool) {
	if s.cfg.Cluster == nil {
		return netcode.RoomInfo{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	info, err := s.reg.Get(ctx, id)
	if err != nil || info.Node == "" {
		return netcode.RoomInfo{}, false
	}
	if _, local := s.Room(id); local {
		return netcode.RoomInfo{}, false
	}
	return info, true
}

// quickPlayElsewhere says where in the cluster a quick play of the game
// belongs when that is another node: room names another node's public
// room with a free seat and more players than any here (the one quick
// play would pick), or, when there is no room here to join, room is
// empty and node is the least-loaded node, where the new room should
// open. Without a cluster it costs nothing and says here.
func (s *Server) quickPlayElsewhere(ctx context.Context, gameName string) (node, room string, ok bool) {
	if s.cfg.Cluster == nil {
		return "", "", false
	}
	seats := s.openSeats(gameName)
	if r, ok := s.fullerElsewhere(ctx, gameName, seats); ok {
		return r.Node, r.ID, true
	}
	if url, ok := s.placeElsewhere(); ok && seats < 0 {
		return url, "", true
	}
	return "", "", false
}

// fullerElsewhere returns another server's public room of the game with a
// free seat and more players than localSeats, if the registry lists one.
func (s *Server) fullerElsewhere(ctx context.Context, gameName string, localSeats int) (netcode.RoomInfo, bool) {
	ctx, cancel := context.WithTimeout(ctx, registryTimeout)
	defer cancel()
	s.mu.Lock()
	t, err := s.gameType(gameName)
	s.mu.Unlock()
	if err != nil {
		return netcode.RoomInfo{}, false
	}
	rooms, err := s.reg.List(ctx, Filter{Game: t.Name, MinFree: 1})
	if err != nil {
		return netcode.RoomInfo{}, false
	}
	var best netcode.RoomInfo
	most := localSeats
	for _, r := range rooms {
		if r.Node == "" || r.Locked || r.Players <= most {
			continue
		}
		if _, local := s.Room(r.ID); local {
			continue
		}
		best, most = r, r.Players
	}
	return best, best.ID != ""
}
