package snake

import "github.com/tickroom/tickroom/game"

// Random placement first tries cells at random, which is quick while the
// board is mostly free, then falls back to counting every candidate and
// picking one, so a crowded board still gets a uniform choice and a full
// one is known to be full.
const (
	foodTries  = 32
	spawnTries = 64
)

// free reports a cell that holds neither snake nor food. Food and snakes
// are only ever placed on free cells.
func (g *Game) free(c int) bool {
	return g.owner[c] == 0 && !g.isFood[c]
}

// topUpFood is step 5: refill the board to cfg.Food items while free cells
// remain. It also tops up after deaths freed cells that an earlier tick
// could not use.
func (g *Game) topUpFood() {
	for len(g.food) < g.cfg.Food {
		c, ok := g.randomFreeCell()
		if !ok {
			return
		}
		g.isFood[c] = true
		g.food = append(g.food, uint16(c))
	}
}

func (g *Game) randomFreeCell() (int, bool) {
	n := len(g.owner)
	freeCells := n - g.snakeCells - len(g.food)
	if freeCells <= 0 {
		return 0, false
	}
	for range foodTries {
		if c := g.rng.intn(n); g.free(c) {
			return c, true
		}
	}
	k := g.rng.intn(freeCells)
	for c := range n {
		if g.free(c) {
			if k == 0 {
				return c, true
			}
			k--
		}
	}
	return 0, false
}

// spawnWaiting gives every Waiting player, in ascending id, a new snake if
// a spot exists. Those left without one stay Waiting and are retried at the
// end of the next tick.
func (g *Game) spawnWaiting() {
	full := false // once no spot is found, none appears later in this tick
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Waiting || full {
			continue
		}
		head, dir, ok := g.findSpawn()
		if !ok {
			full = true
			continue
		}
		g.spawn(pl, head, dir)
	}
}

// spawn places a length-3 snake with its head at head, its body behind it.
func (g *Game) spawn(pl *player, head int, dir Direction) {
	dx, dy := dir.Delta()
	step := dy*g.cfg.Width + dx
	pl.body.reset()
	for i := 2; i >= 0; i-- {
		c := head - i*step
		pl.body.pushHead(uint16(c))
		g.owner[c] = pl.id
	}
	g.snakeCells += 3
	pl.status = Alive
	pl.dir = dir
	pl.score = 0
	pl.grow = false
	pl.queued = 0
	pl.cause, pl.killer = "", 0
	kind, data := KindSpawned, any(Spawned{Player: pl.id})
	if pl.spawned {
		kind, data = KindRespawned, Respawned{Player: pl.id}
	}
	pl.spawned = true
	g.events = append(g.events, game.Event{Kind: kind, Data: data})
}

// findSpawn picks a head cell and direction such that the two cells behind
// the head and the three ahead of it are on the board and free.
func (g *Game) findSpawn() (int, Direction, bool) {
	n := len(g.owner)
	for range spawnTries {
		c, d := g.rng.intn(n), Direction(g.rng.intn(4))
		if g.spawnFits(c, d) {
			return c, d, true
		}
	}
	count := 0
	for c := range n {
		for d := Up; d <= Left; d++ {
			if g.spawnFits(c, d) {
				count++
			}
		}
	}
	if count == 0 {
		return 0, 0, false
	}
	k := g.rng.intn(count)
	for c := range n {
		for d := Up; d <= Left; d++ {
			if g.spawnFits(c, d) {
				if k == 0 {
					return c, d, true
				}
				k--
			}
		}
	}
	return 0, 0, false
}

func (g *Game) spawnFits(head int, d Direction) bool {
	w, h := g.cfg.Width, g.cfg.Height
	dx, dy := d.Delta()
	x, y := head%w, head/w
	for i := -2; i <= 3; i++ {
		cx, cy := x+i*dx, y+i*dy
		if cx < 0 || cx >= w || cy < 0 || cy >= h || !g.free(cy*w+cx) {
			return false
		}
	}
	return true
}
