package snake

import (
	"fmt"

	"github.com/tickroom/tickroom/game"
)

// maxQueue is how many turns a player may have pending.
const maxQueue = 4

// Status is where a player is in a snake's life.
type Status uint8

// Statuses, as sent in snapshots.
const (
	// Waiting: the player has no snake and will get one at the end of the
	// next tick that finds a spawn spot (just joined, or respawn is due).
	Waiting Status = iota
	// Alive: the player's snake is on the board.
	Alive
	// Dead: the snake died; a new one is due in RespawnIn ticks.
	Dead
)

// Game is one Snake match. It implements game.Game and is not safe for
// concurrent use: its room calls it from one goroutine.
type Game struct {
	cfg  Config
	rng  rng
	tick uint32

	players []player // ascending id

	// owner is the player whose snake covers each cell (0 = none); isFood
	// marks food. Both are indexed by cell y*W+x.
	owner  []game.PlayerID
	isFood []bool
	food   []uint16 // food cells, in placement order
	// nextHeads counts, during Step only, the heads that move into a cell.
	nextHeads []uint8
	// candidates is scratch for placing food or snakes on a crowded board.
	candidates []uint32

	// rowMul is 2^32/Width rounded up, to split a cell into x and y by a
	// multiply: AppendView does that for every food item and head per view.
	rowMul uint64

	snakeCells int // cells covered by snakes, to know when the board is full
	dropped    uint64
	events     []game.Event
	// pending are the events of requests answered since the last Step,
	// which returns them first.
	pending []game.Event

	// results are the lives that ended since the last AppendResults, at
	// most maxResults; resultsLost counts those that did not fit.
	results     []game.Result
	resultsLost uint64

	// gen counts the changes to the state (Step, Join, Leave, Input), so
	// that what is derived from it can tell whether it is still current.
	gen uint64
	// snakes caches every player's encoded snake for AppendView.
	snakes snakeCache
}

type player struct {
	id      game.PlayerID
	status  Status
	spawned bool // has had a snake since joining: respawned, not spawned
	body    body
	dir     Direction
	grow    bool // ate on the previous tick, so the tail stays this tick
	score   uint32
	best    uint32
	// respawnIn counts down the ticks until a dead player is Waiting.
	respawnIn int
	// deathCell is where the head of the player's last snake was when it
	// died, for View while the player waits for a new one.
	deathCell uint16
	queue     [maxQueue]Direction
	queued    int
	dropped   uint32
	// hue is the chosen colour's hue plus one; 0 = none chosen.
	hue uint16
	// born is the tick the current (or last) snake spawned on and kills
	// the snakes it killed: the life's result, which is not part of the
	// state (StateHash, snapshots) and changes nothing in it.
	born  uint32
	kills uint32

	// Scratch of one Step.
	next   int // next head cell, -1 when off the board
	cause  Cause
	killer game.PlayerID
}

var (
	_ game.Game     = (*Game)(nil)
	_ game.Reporter = (*Game)(nil)
)

// New creates a game. setup.Seed seeds its generator, and a positive
// setup.MaxPlayers overrides cfg.MaxPlayers. The initial food is placed at
// once, so the first snapshot already shows it.
func New(cfg Config, setup game.Setup) (*Game, error) {
	if setup.MaxPlayers > 0 {
		cfg.MaxPlayers = setup.MaxPlayers
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := cfg.Width * cfg.Height
	g := &Game{
		cfg:       cfg,
		rng:       rng{s: setup.Seed},
		owner:     make([]game.PlayerID, n),
		isFood:    make([]bool, n),
		food:      make([]uint16, 0, cfg.Food),
		nextHeads: make([]uint8, n),
		players:   make([]player, 0, cfg.MaxPlayers),
		rowMul:    1<<32/uint64(cfg.Width) + 1,
	}
	g.topUpFood()
	return g, nil
}

// Config returns the settings in effect, a Config.
func (g *Game) Config() any { return g.cfg }

// Tick returns the tick of the last Step, 0 before the first.
func (g *Game) Tick() uint32 { return g.tick }

// DroppedTurns returns how many turns were dropped because a player's queue
// already held 4.
func (g *Game) DroppedTurns() uint64 { return g.dropped }

// Join adds a player, who gets a snake at the end of the next Step that
// finds a free spot. A full room, player id 0 or an id already present is
// rejected; a full board is not, the player just waits.
func (g *Game) Join(p game.PlayerID, _ string) error {
	if p == 0 {
		return fmt.Errorf("snake: join: player id 0 is reserved: %w", game.ErrRejected)
	}
	i, found := g.find(p)
	if found {
		return fmt.Errorf("snake: join: player %d already joined: %w", p, game.ErrRejected)
	}
	if len(g.players) >= g.cfg.MaxPlayers {
		return fmt.Errorf("snake: join: room full (%d players): %w", g.cfg.MaxPlayers, game.ErrRejected)
	}
	g.gen++
	g.players = append(g.players, player{})
	copy(g.players[i+1:], g.players[i:])
	g.players[i] = player{id: p, status: Waiting}
	return nil
}

// Leave removes a player and its snake at once; a living snake's life ends
// with cause "left" (ResultLeft).
func (g *Game) Leave(p game.PlayerID) {
	i, found := g.find(p)
	if !found {
		return
	}
	g.gen++
	if pl := &g.players[i]; pl.status == Alive {
		g.endLife(pl, ResultLeft)
	}
	g.clearBody(&g.players[i])
	g.players = append(g.players[:i], g.players[i+1:]...)
}

// Input queues a turn (see DecodeTurn for the payload). A fifth pending turn
// is dropped and counted, not an error. Turns of a player without a living
// snake are ignored: its next snake faces a random way, so they would be
// stale.
func (g *Game) Input(p game.PlayerID, payload []byte) error {
	d, err := DecodeTurn(payload)
	if err != nil {
		return err
	}
	i, found := g.find(p)
	if !found {
		return fmt.Errorf("snake: input from player %d, who has not joined: %w", p, game.ErrBadInput)
	}
	g.gen++
	pl := &g.players[i]
	switch {
	case pl.status != Alive:
	case pl.queued == maxQueue:
		pl.dropped++
		g.dropped++
	default:
		pl.queue[pl.queued] = d
		pl.queued++
	}
	return nil
}

// find returns the index of player p, or where it would be inserted.
func (g *Game) find(p game.PlayerID) (int, bool) {
	lo, hi := 0, len(g.players)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if g.players[mid].id < p {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(g.players) && g.players[lo].id == p
}

func (g *Game) clearBody(pl *player) {
	for i := range pl.body.len() {
		g.owner[pl.body.at(i)] = 0
	}
	g.snakeCells -= pl.body.len()
	pl.body.reset()
}
