package snake

// body is a snake's cells, head first, in a ring buffer: a move pushes a head
// and pops a tail without shifting the rest. Its capacity is a power of two
// so that indexing is a mask.
type body struct {
	cells []uint16
	head  int // index in cells of the head
	n     int
}

func (b *body) len() int { return b.n }

// at returns the i-th cell from the head.
func (b *body) at(i int) uint16 {
	return b.cells[(b.head+i)&(len(b.cells)-1)]
}

func (b *body) headCell() uint16 { return b.at(0) }

func (b *body) tailCell() uint16 { return b.at(b.n - 1) }

func (b *body) pushHead(c uint16) {
	if b.n == len(b.cells) {
		b.grow()
	}
	b.head = (b.head - 1) & (len(b.cells) - 1)
	b.cells[b.head] = c
	b.n++
}

func (b *body) popTail() uint16 {
	c := b.tailCell()
	b.n--
	return c
}

func (b *body) reset() {
	b.head, b.n = 0, 0
}

func (b *body) grow() {
	size := 2 * len(b.cells)
	if size == 0 {
		size = 8
	}
	cells := make([]uint16, size)
	for i := range b.n {
		cells[i] = b.at(i)
	}
	b.cells, b.head = cells, 0
}
