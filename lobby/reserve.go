package lobby

import (
	"context"
	"fmt"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// DefaultReservationTTL is how long a seat reservation holds its seat.
const DefaultReservationTTL = 15 * time.Second

// Reservation holds a seat in a room for one client, which consumes it by
// sending the token in its hello before it expires (netcode.Reservation,
// the API's answer).
type Reservation = netcode.Reservation

// reservation is a held seat: until when, and for which client address
// ("" when reserved through the Go API, which binds it to nobody).
type reservation struct {
	until time.Time
	addr  string
}

type reserveCmd struct {
	addr  string
	claim *claim // quick play's, released when the room takes the command
	reply chan reserveResult
}

type reserveResult struct {
	res Reservation
	err error
}

func (c *reserveCmd) apply(r *Room) {
	c.claim.release()
	var res reserveResult
	switch {
	case r.locked:
		res.err = ErrRoomLocked
	case r.seatsTaken() >= r.cfg.MaxPlayers:
		res.err = fmt.Errorf("%w: %d of %d seats taken", ErrRoomFull, r.seatsTaken(), r.cfg.MaxPlayers)
	case c.addr != "" && r.onReserve != nil:
		if res.err = r.onReserve(c.addr, r.cfg.ReservationTTL); res.err != nil {
			break
		}
		fallthrough
	default:
		token := r.id + "." + newToken()
		until := r.clock.Now().Add(r.cfg.ReservationTTL)
		r.reservations[token] = reservation{until: until, addr: c.addr}
		r.countMembers()
		res.res = Reservation{Room: r.id, Game: r.game, Token: token, Expires: until.UTC(), URL: r.publicURL}
	}
	c.reply <- res
}

// Reserve holds a seat for ReservationTTL, for any client that has the
// token.
func (r *Room) Reserve(ctx context.Context) (Reservation, error) {
	return r.reserve(ctx, "", nil)
}

// reserve holds a seat for the client at addr: the hello that spends the
// reservation must come from the same address, and the reservation counts
// against the address's limit until it is used or expires.
func (r *Room) reserve(ctx context.Context, addr string, cl *claim) (Reservation, error) {
	c := &reserveCmd{addr: addr, claim: cl, reply: make(chan reserveResult, 1)}
	if err := r.send(ctx, c); err != nil {
		return Reservation{}, err
	}
	res, err := await(ctx, r, c.reply)
	if err != nil {
		return Reservation{}, err
	}
	return res.res, res.err
}

type lockCmd struct {
	locked bool
	done   chan struct{}
}

func (c *lockCmd) apply(r *Room) {
	r.setLocked(c.locked, 0)
	close(c.done)
}

// SetLocked locks or unlocks the room. A locked room takes no new players
// or reservations; its players can still resume.
func (r *Room) SetLocked(ctx context.Context, locked bool) error {
	c := &lockCmd{locked: locked, done: make(chan struct{})}
	if err := r.send(ctx, c); err != nil {
		return err
	}
	_, err := await(ctx, r, c.done)
	return err
}
