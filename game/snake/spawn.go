package snake

import "github.com/tickroom/tickroom/game"

// Random placement first tries cells at random, which is quick while the
// board is mostly free. When that fails, it lists every candidate once and
// draws from the list, so a crowded board still gets a uniform choice, a
// full one is known to be full, and filling a large board stays linear.
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
	listed := false
	for len(g.food) < g.cfg.Food && g.snakeCells+len(g.food) < len(g.owner) {
		c, ok := -1, false
		if !listed {
			for range foodTries {
				if c = g.rng.intn(len(g.owner)); g.free(c) {
					ok = true
					break
				}
			}
		}
		if !ok {
			if !listed {
				g.listFreeCells()
				listed = true
			}
			if c, ok = g.drawCandidate(); !ok {
				return
			}
		}
		g.isFood[c] = true
		g.food = append(g.food, uint16(c))
	}
}

// listFreeCells puts every free cell, ascending, in g.candidates.
func (g *Game) listFreeCells() {
	g.candidates = g.candidates[:0]
	for c := range g.owner {
		if g.free(c) {
			g.candidates = append(g.candidates, uint32(c))
		}
	}
}

// drawCandidate removes a random entry from g.candidates.
func (g *Game) drawCandidate() (int, bool) {
	n := len(g.candidates)
	if n == 0 {
		return 0, false
	}
	k := g.rng.intn(n)
	c := g.candidates[k]
	g.candidates[k] = g.candidates[n-1]
	g.candidates = g.candidates[:n-1]
	return int(c), true
}

// spawnWaiting gives every Waiting player, in ascending id, a new snake if
// a spot exists. Those left without one stay Waiting and are retried at the
// end of the next tick.
func (g *Game) spawnWaiting() {
	listed := false
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Waiting {
			continue
		}
		head, dir, ok := g.trySpawn()
		if !ok {
			if !listed {
				g.listSpawns()
				listed = true
			}
			if head, dir, ok = g.drawSpawn(); !ok {
				return // and spawns only take cells: no spot for the rest either
			}
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
	pl.born, pl.kills = g.tick, 0
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

// trySpawn looks for a spawn spot at random: a head cell and a direction
// such that the two cells behind the head and the three ahead of it are on
// the board and free.
func (g *Game) trySpawn() (int, Direction, bool) {
	for range spawnTries {
		c, d := g.rng.intn(len(g.owner)), Direction(g.rng.intn(4))
		if g.spawnFits(c, d) {
			return c, d, true
		}
	}
	return 0, 0, false
}

// listSpawns puts every spawn spot, as cell<<2 | direction, ascending, in
// g.candidates.
func (g *Game) listSpawns() {
	g.candidates = g.candidates[:0]
	for c := range g.owner {
		for d := Up; d <= Left; d++ {
			if g.spawnFits(c, d) {
				g.candidates = append(g.candidates, uint32(c)<<2|uint32(d))
			}
		}
	}
}

// drawSpawn draws from the listed spots, dropping those that snakes spawned
// since the listing have taken; drawing again after a stale one keeps the
// choice uniform over the spots that remain.
func (g *Game) drawSpawn() (int, Direction, bool) {
	for {
		v, ok := g.drawCandidate()
		if !ok {
			return 0, 0, false
		}
		c, d := v>>2, Direction(v&3)
		if g.spawnFits(c, d) {
			return c, d, true
		}
	}
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
