package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tickroom/tickroom/lobby"
)

// Seat requests: a node that gets a matchmaking request for a room that
// another node hosts asks that node, the only authority on its seats,
// with a NATS request on the hosting node's subject; the answer carries
// the reservation, or the refusal with its HTTP status.

// seatSubject is the subject a node answers seat requests on.
func seatSubject(nodeID string) string { return "tickroom.seats." + nodeID }

type seatRequest struct {
	Room string `json:"room"`
	Addr string `json:"addr"` // the client's address, which the seat is bound to
}

type seatReply struct {
	Reservation *lobby.Reservation `json:"reservation,omitempty"`
	Status      int                `json:"status,omitempty"`
	Error       string             `json:"error,omitempty"`
}

// RemoteError is another node's refusal of a seat request.
type RemoteError struct {
	Status  int // the HTTP status the node would have answered with
	Message string
}

func (e *RemoteError) Error() string { return e.Message }

// HTTPStatus implements lobby.StatusError.
func (e *RemoteError) HTTPStatus() int { return e.Status }

// ServeSeats answers the other nodes' seat requests for srv's rooms, on
// the NATS connection's goroutines, until the returned stop runs. Each
// request waits on the room's command queue at most callTimeout.
func (d *Directory) ServeSeats(nc *nats.Conn, srv *lobby.Server) (stop func(), err error) {
	sub, err := nc.Subscribe(seatSubject(d.cfg.NodeID), func(m *nats.Msg) {
		var req seatRequest
		var rep seatReply
		if err := json.Unmarshal(m.Data, &req); err != nil {
			rep.Status, rep.Error = http.StatusBadRequest, "bad seat request"
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			res, err := srv.ReserveSeat(ctx, req.Room, req.Addr)
			cancel()
			if err != nil {
				rep.Status, rep.Error = lobby.ErrorStatus(err), err.Error()
			} else {
				rep.Reservation = &res
			}
		}
		b, _ := json.Marshal(rep) // a seatReply always encodes
		if err := m.Respond(b); err != nil {
			d.cfg.Log.Debug("cluster: seat reply not sent", "err", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: serve seat requests: %w", err)
	}
	return func() { sub.Unsubscribe() }, nil
}

// Reserve asks the node at nodeURL for a seat in room for the client at
// addr (lobby.Seats).
func (d *Directory) Reserve(ctx context.Context, nodeURL, room, addr string) (lobby.Reservation, error) {
	id, ok := d.nodeAt(nodeURL)
	if !ok {
		return lobby.Reservation{}, fmt.Errorf("cluster: no live node at %s: %w", nodeURL, lobby.ErrRoomNotFound)
	}
	b, _ := json.Marshal(seatRequest{Room: room, Addr: addr})
	ctx, cancel := context.WithTimeout(ctx, 2*callTimeout)
	defer cancel()
	began := time.Now()
	result := "failed"
	defer func() { d.seatSeconds.WithLabelValues(result).Observe(time.Since(began).Seconds()) }()
	m, err := d.nc.RequestWithContext(ctx, seatSubject(id), b)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return lobby.Reservation{}, &RemoteError{Status: http.StatusServiceUnavailable, Message: "the room's node does not answer"}
		}
		return lobby.Reservation{}, fmt.Errorf("cluster: seat request to node %s: %w", id, err)
	}
	var rep seatReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return lobby.Reservation{}, fmt.Errorf("cluster: seat reply of node %s: %w", id, err)
	}
	if rep.Reservation == nil {
		result = "refused"
		return lobby.Reservation{}, &RemoteError{Status: rep.Status, Message: rep.Error}
	}
	result = "ok"
	return *rep.Reservation, nil
}

// nodeAt returns the id of the live node with a public URL.
func (d *Directory) nodeAt(url string) (string, bool) {
	for _, n := range d.Nodes() {
		if n.PublicURL == url {
			return n.ID, true
		}
	}
	return "", false
}
