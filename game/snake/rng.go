package snake

import "math/bits"

// rng is SplitMix64: one word of state, so it is trivial to hash, and good
// enough statistically for placing food and snakes. It is ours rather than
// math/rand so that its sequence can never change under us between Go
// releases, which would break recorded matches.
type rng struct {
	s uint64
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform value in [0, n) for n > 0, using Lemire's
// multiply-and-reject so that no value is favoured by a modulo.
func (r *rng) intn(n int) int {
	bound := uint64(n)
	hi, lo := bits.Mul64(r.next(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.next(), bound)
		}
	}
	return int(hi)
}
