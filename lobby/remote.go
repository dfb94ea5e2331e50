package lobby

import (
	"context"
	"fmt"
)

// Cluster is what a server that is one node of several needs of the
// others; the cluster package's Directory implements it over NATS.
type Cluster interface {
	// Reserve asks the server at nodeURL (a RoomInfo.Node) for a seat in
	// room for the client at addr: the server that hosts a room is the
	// only one that decides about its seats.
	Reserve(ctx context.Context, nodeURL, room, addr string) (Reservation, error)
	// PlaceRoom returns the URL of the node where a room that quick play
	// opens should go (the least loaded that is not draining), or "" for
	// this one.
	PlaceRoom() string
	// Origins returns the hosts of the nodes' public URLs: the pages a
	// node serves may open WebSockets and use the API on the others.
	Origins() []string
}

// Cluster returns the cluster the server is a node of, nil for none.
func (s *Server) Cluster() Cluster { return s.cfg.Cluster }

// ReserveSeat reserves a seat in room id, which this server hosts, for
// the client at addr ("" for none), as a matchmaking join does, within
// the address's reservation limit and bound to it. The cluster calls it
// for the requests other servers pass on (Cluster.Reserve).
func (s *Server) ReserveSeat(ctx context.Context, id, addr string) (Reservation, error) {
	if s.draining() {
		return Reservation{}, ErrDraining
	}
	room, ok := s.Room(id)
	if !ok {
		return Reservation{}, fmt.Errorf("room %q: %w", truncateUTF8(id, 32), ErrRoomNotFound)
	}
	return room.reserve(ctx, addr, nil)
}

// StatusError is an error that knows the HTTP status it answers with,
// such as a refusal that another server of the cluster sent back.
type StatusError interface {
	error
	HTTPStatus() int
}
