package snake

// StateHash returns a 64-bit FNV-1a hash of the whole state: settings,
// generator, tick, food in placement order, and every player's snake, score,
// queue, counters and timers. Two games that hash alike at every tick have,
// for all practical purposes, played the same match; replays compare it.
func (g *Game) StateHash() uint64 {
	h := fnv{h: fnvOffset}
	h.u64(uint64(g.cfg.Width))
	h.u64(uint64(g.cfg.Height))
	h.u64(uint64(g.cfg.Food))
	h.u64(uint64(g.cfg.RespawnTicks))
	h.u64(uint64(g.cfg.MaxPlayers))
	h.u64(g.rng.s)
	h.u64(uint64(g.tick))
	h.u64(g.dropped)
	h.u64(uint64(len(g.food)))
	for _, c := range g.food {
		h.u64(uint64(c))
	}
	h.u64(uint64(len(g.players)))
	for i := range g.players {
		pl := &g.players[i]
		h.u64(uint64(pl.id))
		h.u64(uint64(pl.status))
		h.bool(pl.spawned)
		h.u64(uint64(pl.dir))
		h.bool(pl.grow)
		h.u64(uint64(pl.score))
		h.u64(uint64(pl.best))
		h.u64(uint64(pl.respawnIn))
		h.u64(uint64(pl.dropped))
		h.u64(uint64(pl.queued))
		for _, d := range pl.queue[:pl.queued] {
			h.u64(uint64(d))
		}
		h.u64(uint64(pl.body.len()))
		for k := range pl.body.len() {
			h.u64(uint64(pl.body.at(k)))
		}
	}
	return h.h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv is FNV-1a 64 fed with fixed-width little-endian words, so that the
// encoding is canonical without building a byte slice.
type fnv struct{ h uint64 }

func (f *fnv) u64(v uint64) {
	for range 8 {
		f.h ^= v & 0xff
		f.h *= fnvPrime
		v >>= 8
	}
}

func (f *fnv) bool(b bool) {
	if b {
		f.u64(1)
	} else {
		f.u64(0)
	}
}
