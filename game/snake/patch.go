package snake

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"

	"github.com/tickroom/tickroom/game"
)

// Patch appends to dst the snapshot that applying delta (from Delta) to
// base gives: byte for byte the snapshot the delta was taken to. It checks
// base (errors wrap ErrBadSnapshot), that the delta was taken from this
// very base (ErrWrongBase: its base tick and CRC-32 must match), and the
// delta itself (ErrBadDelta). It checks what it builds as Decode would, so
// that on a valid base a garbled delta gives an error, never a snapshot
// that Decode rejects. (It checks the base's structure but does not walk
// its bodies: the checksum already ties it to a snapshot the server
// encoded.) It is a pure function, safe for concurrent use, and allocates
// nothing once its pooled scratch has grown.
func Patch(dst, base, delta []byte) ([]byte, error) {
	sc := scratchPool.Get().(*scratch)
	out, err := sc.patch(dst, base, delta)
	scratchPool.Put(sc)
	if err != nil {
		return dst, fmt.Errorf("snake: patch: %w", err)
	}
	return out, nil
}

// parsed is a delta's top level, once read.
type parsed struct {
	tick  uint32
	view  *game.Rect
	steps uint64
	moves []byte
	// food is nil (unchanged), a bin (the new list) or [gone, at, cells].
	foodKind  byte
	foodCells []byte // the new list, or the inserted cells
	rect      game.Rect
}

const (
	foodSame = iota
	foodWhole
	foodEdit
)

func (sc *scratch) patch(dst, base, delta []byte) ([]byte, error) {
	b := &sc.base
	// What Patch writes must be in the canonical encoding, for Delta to take
	// it as a base or cur again. It encodes integers itself but copies
	// bodies, so those must have clean padding bits.
	if err := b.decode(base, skipWalk|zeroPadding); err != nil {
		return nil, fmt.Errorf("base: %w: %w", err, ErrBadSnapshot)
	}
	d := &sc.parsed // in the scratch, as d.view may point into it
	*d = parsed{}
	if err := sc.parse(d, base, delta); err != nil {
		return nil, err
	}
	count := len(b.Snakes) - len(sc.goneIDs) + len(sc.addeds)
	if count < 0 {
		return nil, fmt.Errorf("%d players gone from a base of %d: %w", len(sc.goneIDs), len(b.Snakes), ErrBadDelta)
	}
	if d.view != nil {
		dst = appendArrayLen(dst, 6)
	} else {
		dst = appendArrayLen(dst, 5)
	}
	dst = appendUint(dst, uint64(d.tick))
	dst = appendUint(dst, uint64(b.Width))
	dst = appendUint(dst, uint64(b.Height))
	dst = appendArrayLen(dst, count)
	var err error
	if dst, err = sc.mergeSnakes(dst, d); err != nil {
		return nil, err
	}
	if dst, err = sc.patchFood(dst, d); err != nil {
		return nil, err
	}
	if d.view != nil {
		dst = appendRect(dst, *d.view)
	}
	return dst, nil
}

// parse reads delta into d and sc's lists, checking it against base first
// so that a delta for another base reports that rather than what in it
// does not fit.
func (sc *scratch) parse(d *parsed, base, delta []byte) error {
	b := &sc.base
	r := reader{b: delta}
	bad := func(what string, err error) error {
		return fmt.Errorf("%s: %w: %w", what, err, ErrBadDelta)
	}
	n, err := r.arrayLen()
	if err != nil {
		return bad("delta", err)
	}
	if n != deltaFields {
		return fmt.Errorf("delta has %d fields, want %d: %w", n, deltaFields, ErrBadDelta)
	}
	baseTick, err := r.uintMax(math.MaxUint32, "base tick")
	if err != nil {
		return bad("header", err)
	}
	crc, err := r.uintMax(math.MaxUint32, "base crc")
	if err != nil {
		return bad("header", err)
	}
	if got := crc32.ChecksumIEEE(base); uint32(baseTick) != b.Tick || uint32(crc) != got {
		return fmt.Errorf("delta from tick %d (crc %08x) applied to tick %d (crc %08x): %w",
			baseTick, crc, b.Tick, got, ErrWrongBase)
	}
	tick, err := r.uintMax(math.MaxUint32, "tick")
	if err != nil {
		return bad("header", err)
	}
	d.tick = uint32(tick)

	switch {
	case r.isNil():
		if b.View != nil {
			d.rect, d.view = *b.View, &d.rect
		}
	case len(r.b) > 0 && r.b[0] == mpFixArray: // [] : a full snapshot
		r.b = r.b[1:]
	default:
		if d.rect, err = b.decodeView(&r); err != nil {
			return bad("view", err)
		}
		d.view = &d.rect
	}

	if n, err = r.arrayLen(); err != nil {
		return bad("gone", err)
	}
	if n > len(r.b) {
		return bad("gone", errShort)
	}
	sc.goneIDs = sc.goneIDs[:0]
	for i := range n {
		v, err := r.uintMax(math.MaxUint32, "player")
		if err != nil {
			return bad("gone", err)
		}
		if i > 0 && game.PlayerID(v) <= sc.goneIDs[i-1] {
			return fmt.Errorf("gone: player %d after %d, want ascending: %w", v, sc.goneIDs[i-1], ErrBadDelta)
		}
		sc.goneIDs = append(sc.goneIDs, game.PlayerID(v))
	}

	if n, err = r.arrayLen(); err != nil {
		return bad("added", err)
	}
	if n > len(r.b)/minSnakeLen {
		return bad("added", errShort)
	}
	if cap(sc.addeds) < n {
		sc.addeds = append(sc.addeds[:cap(sc.addeds)], make([]Snake, n-cap(sc.addeds))...)
	}
	sc.addeds = sc.addeds[:n]
	for i := range sc.addeds {
		sn := &sc.addeds[i]
		if err := b.decodeSnake(&r, sn, zeroPadding); err != nil {
			return bad(fmt.Sprintf("added snake %d", i), err)
		}
		if i > 0 && sn.Player <= sc.addeds[i-1].Player {
			return fmt.Errorf("added: player %d after %d, want ascending: %w", sn.Player, sc.addeds[i-1].Player, ErrBadDelta)
		}
	}

	if n, err = r.arrayLen(); err != nil {
		return bad("changed", err)
	}
	const minChange = 3 // [player, mask] with one-byte integers
	if n > len(r.b)/minChange {
		return bad("changed", errShort)
	}
	if cap(sc.changes) < n {
		sc.changes = append(sc.changes[:cap(sc.changes)], make([]change, n-cap(sc.changes))...)
	}
	sc.changes = sc.changes[:n]
	limits := entryLimits(b.cells())
	for i := range sc.changes {
		e := &sc.changes[i]
		if err := e.parse(&r, &limits); err != nil {
			return bad(fmt.Sprintf("changed entry %d", i), err)
		}
		if i > 0 && e.player <= sc.changes[i-1].player {
			return fmt.Errorf("changed: player %d after %d, want ascending: %w", e.player, sc.changes[i-1].player, ErrBadDelta)
		}
	}

	if d.steps, err = r.uintMax(math.MaxUint32, "steps"); err != nil {
		return bad("moves", err)
	}
	if d.moves, err = r.bin(); err != nil {
		return bad("moves", err)
	}

	switch {
	case r.isNil():
		d.foodKind = foodSame
	case len(r.b) > 0 && r.b[0] >= mpBin8 && r.b[0] <= mpBin32:
		d.foodKind = foodWhole
		if d.foodCells, err = r.bin(); err != nil {
			return bad("food", err)
		}
	default:
		d.foodKind = foodEdit
		if err := sc.parseFoodEdit(d, &r); err != nil {
			return bad("food", err)
		}
	}
	if d.foodKind != foodSame {
		if err := b.checkFood(d.foodCells); err != nil {
			return bad("food", err)
		}
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%d bytes after the delta: %w", len(r.b), ErrBadDelta)
	}
	return nil
}

func (e *change) parse(r *reader, limits *[8]uint64) error {
	// [player, mask, values...]
	n, err := r.arrayLen()
	if err != nil {
		return err
	}
	v, err := r.uintMax(math.MaxUint32, "player")
	if err != nil {
		return err
	}
	e.player = game.PlayerID(v)
	if v, err = r.uintMax(1<<8-1, "mask"); err != nil {
		return err
	}
	e.mask = uint(v)
	if want := 2 + bits.OnesCount(e.mask); n != want {
		return fmt.Errorf("%d fields for mask %#x, want %d", n, e.mask, want)
	}
	e.body = nil
	for k := range e.v {
		switch {
		case e.mask&(1<<k) == 0:
		case 1<<k == fBody:
			if e.body, err = r.bin(); err != nil {
				return fmt.Errorf("body: %w", err)
			}
		default:
			if e.v[k], err = r.uintMax(limits[k], entryNames[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseFoodEdit reads [gone, at, cells] into sc.foodGone, sc.foodAt and
// d.foodCells.
func (sc *scratch) parseFoodEdit(d *parsed, r *reader) error {
	n, err := r.arrayLen()
	if err != nil {
		return err
	}
	if n != 3 {
		return fmt.Errorf("%d fields, want 3", n)
	}
	items := len(sc.base.Food) / 2
	if sc.foodGone, err = readIndexes(r, sc.foodGone[:0], items, "gone"); err != nil {
		return err
	}
	result := items - len(sc.foodGone)
	// Inserted positions are indexes into the result, which the inserts
	// lengthen; the bin's length bounds their count.
	if sc.foodAt, err = readIndexes(r, sc.foodAt[:0], result+len(r.b)/2, "at"); err != nil {
		return err
	}
	if d.foodCells, err = r.bin(); err != nil {
		return fmt.Errorf("cells: %w", err)
	}
	if len(d.foodCells) != 2*len(sc.foodAt) {
		return fmt.Errorf("%d bytes of cells for %d positions", len(d.foodCells), len(sc.foodAt))
	}
	if k := len(sc.foodAt); k > 0 && int(sc.foodAt[k-1]) >= result+k {
		return fmt.Errorf("position %d beyond %d items", sc.foodAt[k-1], result+k)
	}
	return nil
}

// readIndexes reads an array of strictly ascending indexes below limit.
func readIndexes(r *reader, dst []int32, limit int, what string) ([]int32, error) {
	n, err := r.arrayLen()
	if err != nil {
		return dst, fmt.Errorf("%s: %w", what, err)
	}
	if n > len(r.b) {
		return dst, fmt.Errorf("%s: %w", what, errShort)
	}
	for i := range n {
		v, err := r.uintMax(math.MaxInt32, what)
		if err != nil {
			return dst, err
		}
		if int(v) >= limit || i > 0 && int32(v) <= dst[len(dst)-1] {
			return dst, fmt.Errorf("%s: index %d out of order or beyond %d", what, v, limit)
		}
		dst = append(dst, int32(v))
	}
	return dst, nil
}

// mergeSnakes writes the new snakes: the base's in player order, less the
// gone, changed where an entry or the moves say so, with the added ones
// slotted in.
func (sc *scratch) mergeSnakes(dst []byte, d *parsed) ([]byte, error) {
	b := &sc.base
	gone, added, changes := sc.goneIDs, sc.addeds, sc.changes
	var moveBit uint64
	var err error
	for i := 0; ; i++ {
		next := uint64(math.MaxUint64)
		if i < len(b.Snakes) {
			next = uint64(b.Snakes[i].Player)
		}
		for len(added) > 0 && uint64(added[0].Player) < next {
			dst = appendSnakeValue(dst, &added[0])
			added = added[1:]
		}
		if i == len(b.Snakes) {
			break
		}
		bs := &b.Snakes[i]
		switch {
		case len(added) > 0 && added[0].Player == bs.Player:
			return nil, fmt.Errorf("player %d added but already in the base: %w", bs.Player, ErrBadDelta)
		case len(gone) > 0 && gone[0] < bs.Player:
			return nil, fmt.Errorf("player %d gone but not in the base: %w", gone[0], ErrBadDelta)
		case len(changes) > 0 && changes[0].player < bs.Player:
			return nil, fmt.Errorf("player %d changed but not in the base: %w", changes[0].player, ErrBadDelta)
		case len(gone) > 0 && gone[0] == bs.Player:
			if len(changes) > 0 && changes[0].player == bs.Player {
				return nil, fmt.Errorf("player %d both gone and changed: %w", bs.Player, ErrBadDelta)
			}
			gone = gone[1:]
			continue
		}
		var e *change
		if len(changes) > 0 && changes[0].player == bs.Player {
			e = &changes[0]
			changes = changes[1:]
		}
		if dst, err = sc.patchSnake(dst, d, bs, e, &moveBit); err != nil {
			return nil, fmt.Errorf("player %d: %w", bs.Player, err)
		}
	}
	switch {
	case len(gone) > 0:
		return nil, fmt.Errorf("player %d gone but not in the base: %w", gone[0], ErrBadDelta)
	case len(changes) > 0:
		return nil, fmt.Errorf("player %d changed but not in the base: %w", changes[0].player, ErrBadDelta)
	case uint64(len(d.moves)) != (moveBit+7)/8:
		return nil, fmt.Errorf("moves of %d bytes, the snakes that lived through take %d bits: %w",
			len(d.moves), moveBit, ErrBadDelta)
	}
	return dst, nil
}

// patchSnake writes base snake bs changed by entry e (nil: no entry) and,
// if it lived through, by the next moves.
func (sc *scratch) patchSnake(dst []byte, d *parsed, bs *Snake, e *change, moveBit *uint64) ([]byte, error) {
	sn := *bs
	var mask uint
	if e != nil {
		mask = e.mask
		if mask&fStatus != 0 {
			sn.Status = Status(e.v[0])
		}
		if mask&fScore != 0 {
			sn.Score = uint32(e.v[1])
		}
		if mask&fBest != 0 {
			sn.Best = uint32(e.v[2])
		}
		if mask&fRespawnIn != 0 {
			sn.RespawnIn = uint16(e.v[3])
		}
		if mask&fHead != 0 {
			sn.Head = uint16(e.v[4])
		}
		if mask&fLen != 0 {
			sn.Len = uint32(e.v[5])
		}
		if mask&fDir != 0 {
			sn.Dir = Direction(e.v[7])
		}
		if mask&fBody != 0 {
			sn.Body = e.body
		}
	}
	if bs.Status != Alive || mask&(fStatus|fBody) != 0 {
		if e == nil {
			return appendSnakeValue(dst, &sn), nil
		}
		if err := sc.base.checkSnake(&sn, zeroPadding); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrBadDelta)
		}
		return appendSnakeValue(dst, &sn), nil
	}

	// The snake lived through: its head is where its new moves lead back
	// to from the old head, and its body those moves and then the old body.
	if mask&fHead != 0 {
		return nil, fmt.Errorf("head given for a snake that lived through: %w", ErrBadDelta)
	}
	if sn.Len == 0 {
		return nil, fmt.Errorf("length 0 for a snake that lived through: %w", ErrBadDelta)
	}
	steps, at := d.steps, *moveBit
	if at+2*steps > 8*uint64(len(d.moves)) {
		return nil, fmt.Errorf("moves end at bit %d, want %d more: %w", 8*len(d.moves), 2*steps, ErrBadDelta)
	}
	w, h := int(sc.base.Width), int(sc.base.Height)
	head, ok := deriveHead(w, h, bs.Head, d.moves, at, steps)
	if !ok {
		return nil, fmt.Errorf("moves lead off the board: %w", ErrBadDelta)
	}
	sn.Head = head
	if mask&fDir == 0 && steps > 0 {
		sn.Dir = Direction(bitsAt(d.moves, at, 2)).Reverse()
	}
	n := uint64(sn.Len) - 1
	if n > steps+uint64(bs.Len)-1 {
		return nil, fmt.Errorf("length %d from %d after %d moves: %w", sn.Len, bs.Len, steps, ErrBadDelta)
	}
	bw := bitWriter{buf: sc.body[:0]}
	bw.copyBits(d.moves, at, 2*min(steps, n))
	if n > steps {
		bw.copyBits(bs.Body, 0, 2*(n-steps))
	}
	sc.body = bw.flush()
	sn.Body = sc.body
	*moveBit = at + 2*steps
	// The new cells were checked on the way back from the old head, and
	// the rest are the base's cells: only the fields are left to check.
	if err := sc.base.checkSnake(&sn, skipWalk); err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrBadDelta)
	}
	return appendSnakeValue(dst, &sn), nil
}

// patchFood writes the new food list.
func (sc *scratch) patchFood(dst []byte, d *parsed) ([]byte, error) {
	bf := sc.base.Food
	switch d.foodKind {
	case foodSame:
		return append(appendBinLen(dst, len(bf)), bf...), nil
	case foodWhole:
		return append(appendBinLen(dst, len(d.foodCells)), d.foodCells...), nil
	}
	items := len(bf)/2 - len(sc.foodGone) + len(sc.foodAt)
	dst = appendBinLen(dst, 2*items)
	gone, at, cells := sc.foodGone, sc.foodAt, d.foodCells
	i := 0 // next base item
	for j := range items {
		if len(at) > 0 && int(at[0]) == j {
			dst = append(dst, cells[0], cells[1])
			at, cells = at[1:], cells[2:]
			continue
		}
		for len(gone) > 0 && int(gone[0]) == i {
			gone = gone[1:]
			i++
		}
		// parseFoodEdit bounded the indexes so that the base items left
		// fill exactly the positions not inserted at.
		dst = binary.BigEndian.AppendUint16(dst, binary.BigEndian.Uint16(bf[2*i:]))
		i++
	}
	return dst, nil
}
