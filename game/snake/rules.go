package snake

import "github.com/tickroom/tickroom/game"

// Step advances one tick, following the numbered steps of the rules. The
// returned events are died (ascending victim), then spawned and respawned
// (ascending player); the slice is reused by the next Step.
func (g *Game) Step(tick uint32) []game.Event {
	g.tick = tick
	g.gen++
	g.events = append(g.events[:0], g.pending...)
	clear(g.pending)
	g.pending = g.pending[:0]
	g.steer()
	g.vacateTails()
	g.judge()
	g.advance()
	g.topUpFood()
	g.bury()
	g.spawnWaiting()
	return g.events
}

// steer is step 1: take at most one useful turn and aim the head.
func (g *Game) steer() {
	w, h := g.cfg.Width, g.cfg.Height
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Alive {
			continue
		}
		for pl.queued > 0 {
			d := pl.queue[0]
			copy(pl.queue[:], pl.queue[1:pl.queued])
			pl.queued--
			// Turning onto the current direction does nothing and onto the
			// reverse would be suicide, so neither uses up the tick's turn.
			if d != pl.dir && d != pl.dir.Reverse() {
				pl.dir = d
				break
			}
		}
		c := int(pl.body.headCell())
		dx, dy := pl.dir.Delta()
		x, y := c%w+dx, c/w+dy
		if x < 0 || x >= w || y < 0 || y >= h {
			pl.next = -1
		} else {
			pl.next = y*w + x
		}
		pl.cause, pl.killer = "", 0
	}
}

// vacateTails is step 2: a snake that ate on the previous tick keeps its
// tail (that is how it grows); every other snake frees its tail cell now, so
// that step 3 sees it free.
func (g *Game) vacateTails() {
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Alive {
			continue
		}
		if pl.grow {
			pl.grow = false
			continue
		}
		g.owner[pl.body.popTail()] = 0
		g.snakeCells--
	}
}

// judge is step 3: decide every death on the same board, before anyone moves.
func (g *Game) judge() {
	for i := range g.players {
		if pl := &g.players[i]; pl.status == Alive && pl.next >= 0 {
			g.nextHeads[pl.next]++
		}
	}
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Alive {
			continue
		}
		if pl.next < 0 {
			pl.cause = CauseWall
			continue
		}
		switch o := g.owner[pl.next]; {
		case o == pl.id:
			pl.cause = CauseSelf
		case o != 0:
			pl.cause, pl.killer = CauseBody, o
		case g.nextHeads[pl.next] > 1:
			pl.cause = CauseHeadOn
		}
	}
	for i := range g.players {
		if pl := &g.players[i]; pl.status == Alive && pl.next >= 0 {
			g.nextHeads[pl.next] = 0
		}
	}
}

// advance is step 4: survivors move their head and eat.
func (g *Game) advance() {
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Alive || pl.cause != "" {
			continue
		}
		c := uint16(pl.next)
		pl.body.pushHead(c)
		g.owner[c] = pl.id
		g.snakeCells++
		if g.isFood[c] {
			g.eat(c)
			pl.score++
			pl.best = max(pl.best, pl.score)
			pl.grow = true
		}
	}
}

func (g *Game) eat(c uint16) {
	g.isFood[c] = false
	for i, f := range g.food {
		if f == c {
			last := len(g.food) - 1
			g.food[i] = g.food[last]
			g.food = g.food[:last]
			return
		}
	}
}

// bury is step 6 and the respawn countdown: this tick's dead leave the board
// and start waiting RespawnTicks; earlier dead count down, and a player
// whose countdown ends waits for a spawn spot.
func (g *Game) bury() {
	g.countKills()
	for i := range g.players {
		pl := &g.players[i]
		switch {
		case pl.status == Alive && pl.cause != "":
			g.endLife(pl, string(pl.cause))
			g.events = append(g.events, game.Event{Kind: KindDied, Data: Died{
				Victim: pl.id, Killer: pl.killer, Cause: pl.cause,
			}})
			pl.deathCell = pl.body.headCell()
			g.clearBody(pl)
			pl.status = Dead
			pl.respawnIn = g.cfg.RespawnTicks
			pl.grow = false
			pl.queued = 0
		case pl.status == Dead:
			pl.respawnIn--
			if pl.respawnIn == 0 {
				pl.status = Waiting
			}
		}
	}
}
