package snake

// StateHash returns a 64-bit FNV-1a hash of the whole state: settings,
// generator, tick, food in placement order, and every player's snake, score,
// queue, counters and timers. Two games that hash alike at every tick have,
// for all practical purposes, played the same match; replays compare it.
func (g *Game) StateHash() uint64 {
	h := fnv(fnvOffset).
		u32(uint32(g.cfg.Width)).
		u32(uint32(g.cfg.Height)).
		u32(uint32(g.cfg.Food)).
		u32(uint32(g.cfg.RespawnTicks)).
		u32(uint32(g.cfg.MaxPlayers)).
		u64(g.rng.s).
		u32(g.tick).
		u64(g.dropped).
		u32(uint32(len(g.food)))
	for _, c := range g.food {
		h = h.u16(c)
	}
	h = h.u32(uint32(len(g.players)))
	for i := range g.players {
		pl := &g.players[i]
		h = h.u32(uint32(pl.id)).
			byte(byte(pl.status)).
			bool(pl.spawned).
			byte(byte(pl.dir)).
			bool(pl.grow).
			u32(pl.score).
			u32(pl.best).
			u32(uint32(pl.respawnIn)).
			u32(pl.dropped).
			byte(byte(pl.queued))
		for _, d := range pl.queue[:pl.queued] {
			h = h.byte(byte(d))
		}
		if pl.hue != 0 {
			// Only when chosen, so that matches without colours hash as
			// they did before colours existed (recordings stay valid).
			h = h.u16(pl.hue)
		}
		h = h.u32(uint32(pl.body.len()))
		for k := range pl.body.len() {
			h = h.u16(pl.body.at(k))
		}
	}
	return uint64(h)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnv is an FNV-1a 64 state fed with fixed-width little-endian integers,
// so that the encoding is canonical without building a byte slice. It is a
// value, not a pointer, so that the compiler keeps it in a register.
type fnv uint64

func (f fnv) byte(b byte) fnv { return (f ^ fnv(b)) * fnvPrime }

func (f fnv) u16(v uint16) fnv { return f.byte(byte(v)).byte(byte(v >> 8)) }

func (f fnv) u32(v uint32) fnv { return f.u16(uint16(v)).u16(uint16(v >> 16)) }

func (f fnv) u64(v uint64) fnv { return f.u32(uint32(v)).u32(uint32(v >> 32)) }

func (f fnv) bool(b bool) fnv {
	if b {
		return f.byte(1)
	}
	return f.byte(0)
}
