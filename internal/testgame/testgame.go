// Package testgame is a tiny game for testing rooms and connections: each
// player has a counter that inputs add to. Knobs make it emit events, pad its
// snapshots and stall its steps, so that tests can play every tick pattern
// without the Snake rules.
package testgame

import (
	"errors"
	"fmt"
	"hash/fnv"
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
	// OnInput, when set, is called with every valid input; tests panic in
	// it to play a buggy game.
	OnInput func(p game.PlayerID, v int64)
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
	return game.Type{
		Name: name,
		New: func(s game.Setup) (game.Game, error) {
			return &Game{opts: opts, ctr: ctr, pad: make([]byte, opts.Padding)}, nil
		},
		Delta: Delta,
		Patch: Patch,
	}, ctr
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

// Snapshot is the test game's snapshot: [id, value] per player, the
// padding, and the area of interest it covers (nil = everything). A
// player's value is also its position on a line, for areas of interest.
type Snapshot struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Players  [][2]int64
	Pad      []byte
	View     []int
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
	if g.opts.OnInput != nil {
		g.opts.OnInput(p, d)
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
	return g.appendView(dst, nil)
}

// View implements game.Viewer: a player sees the stretch of ten values
// around its own.
func (g *Game) View(p game.PlayerID) (game.Rect, bool) {
	for _, pl := range g.players {
		if pl.id == p {
			return game.Rect{X: int(pl.value) / 10 * 10, W: 10, H: 1}, true
		}
	}
	return game.Rect{}, false
}

// AppendView implements game.Viewer.
func (g *Game) AppendView(dst []byte, r game.Rect) []byte {
	return g.appendView(dst, &r)
}

func (g *Game) appendView(dst []byte, r *game.Rect) []byte {
	g.ctr.Encodes.Add(1)
	s := Snapshot{Players: make([][2]int64, 0, len(g.players)), Pad: g.pad}
	for _, p := range g.players {
		if r == nil || (p.value >= int64(r.X) && p.value < int64(r.X+r.W)) {
			s.Players = append(s.Players, [2]int64{int64(p.id), p.value})
		}
	}
	if r != nil {
		s.View = []int{r.X, r.Y, r.W, r.H}
	}
	return append(dst, marshal(&s)...)
}

func marshal(v any) []byte {
	b, err := msgpack.Marshal(v)
	if err != nil {
		panic(err) // cannot happen for these types
	}
	return b
}

// delta is the test game's delta: everything but the padding, which never
// changes, and a hash of the base so that a wrong base is caught.
type delta struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Base     uint64
	Players  [][2]int64
	View     []int
}

// Delta implements game.Type.Delta.
func Delta(dst, base, cur []byte) ([]byte, error) {
	var s Snapshot
	if err := msgpack.Unmarshal(cur, &s); err != nil {
		return dst, fmt.Errorf("testgame: delta: %w", err)
	}
	return append(dst, marshal(&delta{Base: hash(base), Players: s.Players, View: s.View})...), nil
}

// Patch implements game.Type.Patch.
func Patch(dst, base, d []byte) ([]byte, error) {
	var dl delta
	var b Snapshot
	if err := msgpack.Unmarshal(d, &dl); err != nil {
		return dst, fmt.Errorf("testgame: patch: %w", err)
	}
	if dl.Base != hash(base) {
		return dst, errors.New("testgame: patch: delta taken against another base")
	}
	if err := msgpack.Unmarshal(base, &b); err != nil {
		return dst, fmt.Errorf("testgame: patch: base: %w", err)
	}
	return append(dst, marshal(&Snapshot{Players: dl.Players, Pad: b.Pad, View: dl.View})...), nil
}

func hash(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// Config implements game.Game.
func (g *Game) Config() any { return map[string]int{"padding": g.opts.Padding} }

// Input encodes a test game input.
func Input(d int64) []byte {
	b, _ := msgpack.Marshal(d)
	return b
}
