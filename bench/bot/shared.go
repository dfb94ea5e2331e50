package bot

import (
	"bytes"
	"sync"

	"github.com/tickroom/tickroom/game/snake"
)

// States lets the bots of a swarm that are in one room share the decoding
// of their snapshots: each bot still has its own connection, reads and
// rebuilds every snapshot itself, and decides and sends its own inputs at
// its own time, so the server sees the same load; only the decode of a
// state (and the board built from it), which is the same for every bot of
// the room, is done once, and so is the patching of a delta onto the base
// the room's bots share. Without it the load generator, not the server,
// runs out of CPU first.
type States struct {
	mu    sync.Mutex
	rooms map[string]*roomStates
}

// NewStates returns an empty cache.
func NewStates() *States { return &States{rooms: make(map[string]*roomStates)} }

// room returns the cache of one room.
func (s *States) room(id string) *roomStates {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[id]
	if r == nil {
		r = &roomStates{}
		s.rooms[id] = r
	}
	return r
}

// maxStatesPerTick bounds the distinct payloads of one tick a room keeps:
// with area of interest, bots see different views; past the bound a bot
// decodes for itself.
const maxStatesPerTick = 16

// roomStates holds the decoded states of a room's newest tick.
type roomStates struct {
	mu      sync.Mutex
	tick    uint32
	entries []*decoded
	patches []patched
}

// decoded is one state, read-only once published; its board is built on
// first use.
type decoded struct {
	payload []byte
	snap    snake.Snapshot
	once    sync.Once
	board   snake.Board
	boardOK bool
}

// get returns the decoded state of payload at tick, decoding it if no bot
// of the room has yet; nil when the cache is full for the tick (decode
// privately).
func (r *roomStates) get(tick uint32, payload []byte) (*decoded, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if tick > r.tick {
		r.tick, r.entries = tick, r.entries[:0:0]
	}
	if tick == r.tick {
		for _, d := range r.entries {
			if bytes.Equal(d.payload, payload) {
				return d, nil
			}
		}
	}
	d := &decoded{payload: bytes.Clone(payload)}
	if err := d.snap.Decode(d.payload); err != nil {
		return nil, err
	}
	if tick == r.tick && len(r.entries) < maxStatesPerTick {
		r.entries = append(r.entries, d)
	}
	return d, nil
}

// Free implements the policy's view of the board.
func (d *decoded) Free(x, y int) bool {
	d.once.Do(func() { d.boardOK = d.board.Load(&d.snap) == nil })
	return d.boardOK && d.board.Free(x, y)
}

// maxPatchesPerTick bounds the patches of one tick a room keeps, as
// maxStatesPerTick the states.
const maxPatchesPerTick = 16

// patched is one delta applied to one base: the bots of a room hold the
// same base (the room's state they were last sent) and get the same
// delta, so the first one's result serves the others.
type patched struct {
	base, delta, out []byte
}

// patch appends to dst the result of patching base with delta, as fn
// would, using a result another bot of the room already computed.
func (r *roomStates) patch(fn func(dst, base, delta []byte) ([]byte, error), dst, base, delta []byte) ([]byte, error) {
	out, err := r.patchShared(fn, base, delta)
	if err != nil {
		return dst, err
	}
	return append(dst, out...), nil
}

// patchShared is patch for a caller that only reads the result: it is the
// room's shared copy, which nobody may write to (the poll transport keeps
// it as its state, saving a copy of the whole state per bot per tick).
func (r *roomStates) patchShared(fn func(dst, base, delta []byte) ([]byte, error), base, delta []byte) ([]byte, error) {
	r.mu.Lock()
	for _, p := range r.patches {
		if bytes.Equal(p.delta, delta) && bytes.Equal(p.base, base) {
			r.mu.Unlock()
			return p.out, nil
		}
	}
	r.mu.Unlock()
	out, err := fn(nil, base, delta)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.patches) >= maxPatchesPerTick {
		// A new tick's deltas: the old ones will not come again.
		r.patches = r.patches[:0:0]
	}
	r.patches = append(r.patches, patched{base: bytes.Clone(base), delta: bytes.Clone(delta), out: out})
	return out, nil
}
