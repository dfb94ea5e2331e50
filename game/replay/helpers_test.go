package replay_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

// mix is SplitMix64, the tests' own generator: a golden recording must not
// depend on math/rand's algorithms.
type mix struct{ s uint64 }

func (m *mix) intn(n int) int {
	m.s += 0x9e3779b97f4a7c15
	z := m.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int((z ^ (z >> 31)) % uint64(n))
}

func openSnake(name string, setup game.Setup, config msgpack.RawMessage) (game.Game, error) {
	if name != snake.Name {
		return nil, fmt.Errorf("unknown game %q", name)
	}
	return snake.Open(setup, config)
}

var testConfig = snake.Config{Width: 20, Height: 16, Food: 8, RespawnTicks: 5, MaxPlayers: 6}

// room plays a snake match the way a room would with a recorder: the calls
// the game accepts are recorded, the rest are not.
type room struct {
	g   *snake.Game
	rec *replay.Recorder
	// hashes[t-1] is the state hash after tick t.
	hashes []uint64
	err    error
}

func newRoom(w io.Writer, seed uint64) (*room, error) {
	typ, err := snake.Type(testConfig)
	if err != nil {
		return nil, err
	}
	setup := game.Setup{Seed: seed, MaxPlayers: testConfig.MaxPlayers, TickRate: 20}
	g, err := typ.New(setup)
	if err != nil {
		return nil, err
	}
	rec, err := replay.NewRecorder(w, typ.Name, setup, g.Config())
	if err != nil {
		return nil, err
	}
	return &room{g: g.(*snake.Game), rec: rec}, nil
}

// join, leave and input keep the recorder's error for step, as a room
// that logs it once would.
func (r *room) join(p game.PlayerID, name string) {
	if r.g.Join(p, name) == nil {
		r.err = errors.Join(r.err, r.rec.Join(p, name))
	}
}

func (r *room) leave(p game.PlayerID) {
	r.g.Leave(p)
	r.err = errors.Join(r.err, r.rec.Leave(p))
}

func (r *room) input(p game.PlayerID, payload []byte) {
	if r.g.Input(p, payload) == nil {
		r.err = errors.Join(r.err, r.rec.Input(p, payload))
	}
}

func (r *room) step() error {
	tick := uint32(len(r.hashes) + 1)
	r.g.Step(tick)
	h := r.g.StateHash()
	r.hashes = append(r.hashes, h)
	return errors.Join(r.err, r.rec.EndTick(tick, h))
}

// playMatch records a random match of the given length: players join and
// leave over time (some joins are refused by a full room), and turn often;
// a few inputs are malformed and so not recorded.
func playMatch(w io.Writer, seed uint64, ticks int) ([]uint64, error) {
	r, err := newRoom(w, seed)
	if err != nil {
		return nil, err
	}
	rnd := &mix{s: seed}
	var joined []game.PlayerID
	next := game.PlayerID(1)
	for range ticks {
		if rnd.intn(8) == 0 {
			r.join(next, fmt.Sprintf("player-%d", next))
			joined = append(joined, next)
			next++
		}
		if len(joined) > 0 && rnd.intn(30) == 0 {
			i := rnd.intn(len(joined))
			r.leave(joined[i])
			joined = append(joined[:i], joined[i+1:]...)
		}
		for _, p := range joined {
			switch rnd.intn(10) {
			case 0, 1:
				r.input(p, snake.EncodeTurn(snake.Direction(rnd.intn(4))))
			case 2:
				if rnd.intn(10) == 0 {
					r.input(p, []byte{0xc0}) // rejected, not recorded
				}
			}
		}
		if err := r.step(); err != nil {
			return nil, err
		}
	}
	return r.hashes, r.rec.Close()
}

// request makes a request as a room would: recorded when answered.
func (r *room) request(p game.PlayerID, kind string, data []byte) {
	if _, err := r.g.Request(p, kind, data); err == nil {
		r.err = errors.Join(r.err, r.rec.Request(p, kind, data))
	}
}
