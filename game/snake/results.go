package snake

import "github.com/tickroom/tickroom/game"

// ResultLeft is the cause of a life that ended because its player left
// (game.Result.Cause); the other causes are those of death (Cause).
const ResultLeft = "left"

// maxResults bounds the results a Game keeps for AppendResults: a room
// takes them every tick, so only a game that nobody asks (a replay, a
// benchmark) reaches it, and then loses the newest.
const maxResults = 1024

// AppendResults implements game.Reporter: one result per life that ended
// since the last call, in the order they ended (within a tick, ascending
// player), with the life's score (food eaten), kills (snakes that died
// entering its body), cause ("wall", "self", "body", "head-on", or "left")
// and length in ticks, from the tick it spawned on to the tick it died on
// (or the last tick, for a life its player left).
func (g *Game) AppendResults(dst []game.Result) []game.Result {
	dst = append(dst, g.results...)
	g.results = g.results[:0]
	return dst
}

// ResultsLost counts the results that did not fit while nobody took them.
func (g *Game) ResultsLost() uint64 { return g.resultsLost }

// countKills credits every snake that dies of "body" this tick to the
// killer's life, before bury ends the lives, so that a killer dying in
// the same tick keeps its kill.
func (g *Game) countKills() {
	for i := range g.players {
		pl := &g.players[i]
		if pl.status != Alive || pl.cause != CauseBody {
			continue
		}
		if k, ok := g.find(pl.killer); ok {
			g.players[k].kills++
		}
	}
}

// endLife keeps the result of pl's life, which ends now.
func (g *Game) endLife(pl *player, cause string) {
	if len(g.results) >= maxResults {
		g.resultsLost++
		return
	}
	g.results = append(g.results, game.Result{
		Player: pl.id,
		Score:  int64(pl.score),
		Kills:  int64(pl.kills),
		Cause:  cause,
		Ticks:  int64(g.tick - pl.born),
	})
}
