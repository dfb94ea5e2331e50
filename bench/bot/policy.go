package bot

import (
	"math/rand/v2"

	"github.com/tickroom/tickroom/game/snake"
)

// TurnOneIn is the inverse of each turn's probability: left with 1/20,
// right with 1/20, so a turn with 0.1.
const TurnOneIn = 20

// Looker tells whether a head could enter a cell; snake.Board is one.
type Looker interface {
	Free(x, y int) bool
}

// Policy is one bot's decision rule and its seeded generator.
type Policy struct {
	rng *rand.Rand
}

// NewPolicy returns the policy of a bot with this seed.
func NewPolicy(seed uint64) *Policy {
	return &Policy{rng: rand.New(rand.NewPCG(seed, 0x7b07))}
}

// Decide draws one tick's move for a living snake whose head is at (x, y)
// and last moved towards dir. It returns the direction to turn to and true
// when the bot turns (and sends an input), or dir and false to go straight.
// look is consulted only when a turn is drawn.
func (p *Policy) Decide(x, y int, dir snake.Direction, look Looker) (snake.Direction, bool) {
	var want, other snake.Direction
	switch p.rng.IntN(TurnOneIn) {
	case 0:
		want, other = dir.TurnLeft(), dir.TurnRight()
	case 1:
		want, other = dir.TurnRight(), dir.TurnLeft()
	default:
		return dir, false
	}
	free := func(d snake.Direction) bool {
		dx, dy := d.Delta()
		return look.Free(x+dx, y+dy)
	}
	switch {
	case free(want):
		return want, true
	case free(other):
		return other, true
	case free(dir):
		return dir, false
	}
	return want, true
}
