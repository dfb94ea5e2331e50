package lobby

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrDraining is returned for new players while the server drains.
var ErrDraining = errors.New("server is draining")

// DrainEvent is the data of the draining event.
type DrainEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	// Millis is how long rooms keep running before they are closed.
	Millis int64
}

// Draining reports whether the server has started to drain.
func (s *Server) Draining() bool { return s.draining() }

func (s *Server) draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drain || s.closing
}

// Drain stops taking new players (/readyz fails, matchmaking and new joins
// are refused), tells every client with a draining event, and lets rooms
// run until period has passed or every room is empty. Then it shuts down.
func (s *Server) Drain(ctx context.Context, period time.Duration) error {
	s.mu.Lock()
	s.drain = true
	s.mu.Unlock()
	rooms := s.Rooms()
	ev := DrainEvent{Millis: period.Milliseconds()}
	for _, r := range rooms {
		_ = r.send(ctx, &broadcastCmd{kind: EventDraining, data: ev})
	}
	s.log.Info("draining", "rooms", len(rooms), "period", period)
	deadline := time.NewTimer(period)
	defer deadline.Stop()
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
wait:
	for {
		select {
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			break wait
		case <-poll.C:
			if s.players() == 0 {
				break wait
			}
		}
	}
	return s.shutdown(ctx, "server draining")
}

// players counts connected or away players in every room.
func (s *Server) players() int {
	n := 0
	for _, r := range s.Rooms() {
		st := r.Stats()
		n += st.Players + st.Spectators
	}
	return n
}

// Shutdown stops the server: new connections are refused, every room and
// connection is closed with CloseShuttingDown after its pending reliable
// messages, and Shutdown waits for every goroutine until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.shutdown(ctx, "server shutting down")
}

func (s *Server) shutdown(ctx context.Context, reason string) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancel(errors.New(reason))
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		// The writers outlive every connection, even when ctx ends
		// first and Shutdown returns without them.
		s.writers.Close()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("lobby: shutdown: %w", ctx.Err())
	}
}
