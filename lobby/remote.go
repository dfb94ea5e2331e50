package lobby

import (
	"context"
	"fmt"
)

// Seats reserves seats in rooms that other servers of a cluster host: the
// server that hosts a room is the only one that decides about its seats,
// so a matchmaking request for such a room is passed on to it. The
// cluster package implements it over NATS.
type Seats interface {
	// Reserve asks the server at nodeURL (a RoomInfo.Node) for a seat in
	// room for the client at addr.
	Reserve(ctx context.Context, nodeURL, room, addr string) (Reservation, error)
}

// ReserveSeat reserves a seat in room id, which this server hosts, for
// the client at addr ("" for none), as a matchmaking join does, within
// the address's reservation limit and bound to it. The cluster calls it
// for the requests other servers pass on (Seats).
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
