package lobby

import (
	"log/slog"

	"github.com/tickroom/tickroom/game"
)

// Recorder receives what a room applies to its game, tick by tick, so that
// the match can be replayed and checked (see game/replay). Only inputs the
// game accepted are recorded.
type Recorder interface {
	Join(p game.PlayerID, name string) error
	Leave(p game.PlayerID) error
	Input(p game.PlayerID, payload []byte) error
	// Request records a request of a player that the game answered.
	Request(p game.PlayerID, kind string, data []byte) error
	// EndTick closes a tick with the state hash after its step.
	EndTick(tick uint32, hash uint64) error
	Close() error
}

// RecordFunc starts a recording for a new room; nil means no recording.
type RecordFunc func(room, game string, setup game.Setup, config any) (Recorder, error)

// stateHasher is what a game offers for replays to be checked.
type stateHasher interface{ StateHash() uint64 }

// recording is a room's Recorder, if any. A failing recorder is logged and
// dropped: losing a recording must not stop a match.
type recording struct {
	r   Recorder
	sim game.Game
	log *slog.Logger
}

func (x *recording) check(err error) {
	if err != nil {
		x.log.Error("recording failed; stopped", "err", err)
		x.r.Close()
		x.r = nil
	}
}

func (x *recording) join(p game.PlayerID, name string) {
	if x != nil && x.r != nil {
		x.check(x.r.Join(p, name))
	}
}

func (x *recording) leave(p game.PlayerID) {
	if x != nil && x.r != nil {
		x.check(x.r.Leave(p))
	}
}

func (x *recording) input(p game.PlayerID, payload []byte) {
	if x != nil && x.r != nil {
		x.check(x.r.Input(p, payload))
	}
}

func (x *recording) request(p game.PlayerID, kind string, data []byte) {
	if x != nil && x.r != nil {
		x.check(x.r.Request(p, kind, data))
	}
}

func (x *recording) endTick(tick uint32) {
	if x == nil || x.r == nil {
		return
	}
	var hash uint64
	if h, ok := x.sim.(stateHasher); ok {
		hash = h.StateHash()
	}
	x.check(x.r.EndTick(tick, hash))
}

func (x *recording) close() {
	if x != nil && x.r != nil {
		if err := x.r.Close(); err != nil {
			x.log.Error("closing recording", "err", err)
		}
	}
}
