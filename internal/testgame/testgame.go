// Package testgame is a tiny game for testing rooms and connections: each
// player has a counter that inputs add to. Knobs make it emit events, pad its
// snapshots and stall its steps, so that tests can play every tick pattern
// without the Snake rules.
package testgame

import (
	"fmt"
	"sync/atomic"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
)

// Options are the test game's knobs. Zero values give a quiet game.
type Options struct {
	// EventEvery emits a "beat" event every that many ticks (0 = never).
	EventEvery int
	// Padding adds that many bytes to every snapshot.
	Padding int
	// Stall, when set, is called at the start of each step; tests sleep in
	// it to play a slow step.
	Stall func(tick uint32)
}

// Counters are shared by all games of one Type, so that tests can watch
// what rooms did.
type Counters struct {
	Encodes atomic.Uint64
	Steps   atomic.Uint64
	Inputs  atomic.Uint64
}

// Type returns a test game type named name, and its counters.
func Type(name string, opts Options) (game.Type, *Counters) {
	ctr := new(Counters)
	return game.Type{Name: name, New: func(s game.Setup) (game.Game, error) {
		return &Game{opts: opts, ctr: ctr, pad: make([]byte, opts.Padding)}, nil
	}}, ctr
}

// Game is one test game.
type Game struct {
	opts    Options
	ctr     *Counters
	pad     []byte
	players []player
	events  []game.Event
}

type player struct {
	id    game.PlayerID
	value int64
}

// Snapshot is the test game's snapshot.
type Snapshot struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Players  [][2]int64
	Pad      []byte
}

// Join implements game.Game.
func (g *Game) Join(p game.PlayerID, _ string) error {
	g.players = append(g.players, player{id: p})
	return nil
}

// Leave implements game.Game.
func (g *Game) Leave(p game.PlayerID) {
	for i := range g.players {
		if g.players[i].id == p {
			g.players = append(g.players[:i], g.players[i+1:]...)
			return
		}
	}
}

// Input implements game.Game: the payload is a msgpack integer in
// [-100, 100] added to the player's counter.
func (g *Game) Input(p game.PlayerID, payload []byte) error {
	var d int64
	if err := msgpack.Unmarshal(payload, &d); err != nil || d < -100 || d > 100 {
		return fmt.Errorf("testgame: input must be an integer in [-100, 100]: %w", game.ErrBadInput)
	}
	for i := range g.players {
		if g.players[i].id == p {
			g.players[i].value += d
		}
	}
	g.ctr.Inputs.Add(1)
	return nil
}

// Step implements game.Game.
func (g *Game) Step(tick uint32) []game.Event {
	if g.opts.Stall != nil {
		g.opts.Stall(tick)
	}
	g.ctr.Steps.Add(1)
	g.events = g.events[:0]
	if g.opts.EventEvery > 0 && tick%uint32(g.opts.EventEvery) == 0 {
		g.events = append(g.events, game.Event{Kind: "beat", Data: tick})
	}
	return g.events
}

// AppendSnapshot implements game.Game.
func (g *Game) AppendSnapshot(dst []byte) []byte {
	g.ctr.Encodes.Add(1)
	s := Snapshot{Players: make([][2]int64, len(g.players)), Pad: g.pad}
	for i, p := range g.players {
		s.Players[i] = [2]int64{int64(p.id), p.value}
	}
	b, err := msgpack.Marshal(&s)
	if err != nil {
		panic(err) // cannot happen for these types
	}
	return append(dst, b...)
}

// Config implements game.Game.
func (g *Game) Config() any { return map[string]int{"padding": g.opts.Padding} }

// Input encodes a test game input.
func Input(d int64) []byte {
	b, _ := msgpack.Marshal(d)
	return b
}
