package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Errors of Replay, wrapped with where they happened.
var (
	// ErrTruncated: the recording ends before its end marker.
	ErrTruncated = errors.New("recording truncated")
	// ErrCorrupt: the recording is not in the format.
	ErrCorrupt = errors.New("recording corrupt")
	// ErrVersion: the recording has a format version this package does not read.
	ErrVersion = errors.New("unsupported recording version")
)

// Hasher is a game whose whole state can be hashed, so that a replay can
// tell where it diverged.
type Hasher interface {
	StateHash() uint64
}

// Opener builds the game of a recording from its header.
type Opener func(name string, setup game.Setup, config msgpack.RawMessage) (game.Game, error)

// Result is what a replay found.
type Result struct {
	// Ticks is the number of ticks replayed.
	Ticks int
	// FirstMismatch is the first tick that diverged, 0 when none did.
	FirstMismatch uint32
	// Want and Got are the recorded and replayed state hashes after
	// FirstMismatch.
	Want, Got uint64
	// Reason says how FirstMismatch diverged: the state hash, or a
	// recorded call that the game now rejects.
	Reason string
}

// Replay re-runs a recording: it opens the game, then for each tick makes
// the recorded calls, steps, and compares the state hash. It carries on past
// a mismatch to check the rest of the file, and returns the Result so far
// together with any error, which wraps ErrTruncated, ErrCorrupt, ErrVersion
// or the error of open or of the reader.
//
// A config or input payload whose arrays and maps nest deeper than
// netcode.MaxDepth makes the recording corrupt (the error wraps
// netcode.ErrTooDeep too): a server never accepts such an input, and
// reading one with the msgpack library would recurse once per level, so
// that a few megabytes of nested arrays would overflow the stack.
func Replay(r io.Reader, open Opener) (Result, error) {
	src := &source{r: r}
	br := bufio.NewReader(src)
	p := &replayer{src: src, br: br, dec: msgpack.NewDecoder(br)}
	if err := p.header(open); err != nil {
		return p.res, fmt.Errorf("replay: header: %w", err)
	}
	for {
		done, err := p.record()
		if err != nil {
			return p.res, fmt.Errorf("replay: record %d (after tick %d): %w", p.res.Ticks+1, p.last, err)
		}
		if done {
			return p.res, nil
		}
	}
}

// player holds the state of one Replay.
type replayer struct {
	src *source
	// br is what dec reads from. The msgpack library reads a reader that
	// has ReadByte and UnreadByte as it is, without a buffer of its own,
	// so br and dec may take turns reading the stream.
	br   *bufio.Reader
	dec  *msgpack.Decoder
	g    game.Game
	h    Hasher
	last uint32
	res  Result
	// rejected is why a call of the current tick was rejected, if one was.
	rejected string
	buf      []byte
}

// source remembers a read error, which the msgpack decoder does not wrap,
// so that Replay can report it rather than call the file corrupt.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func (p *replayer) header(open Opener) error {
	if err := p.arrayLen(4); err != nil {
		return err
	}
	version, err := p.uint(math.MaxUint32)
	if err != nil {
		return err
	}
	if version != Version {
		return fmt.Errorf("version %d, want %d: %w", version, Version, ErrVersion)
	}
	name, err := p.bytes()
	if err != nil {
		return err
	}
	if err := p.arrayLen(3); err != nil {
		return err
	}
	var setup game.Setup
	if setup.Seed, err = p.dec.DecodeUint64(); err != nil {
		return p.classify(err)
	}
	if setup.MaxPlayers, err = p.int(); err != nil {
		return err
	}
	if setup.TickRate, err = p.int(); err != nil {
		return err
	}
	// Not dec.DecodeRaw: the library skips a value by recursion, however
	// deeply it nests. The game decodes the config it gets, which is why
	// it is read whole and bounded here rather than checked as it goes.
	config, err := netcode.ReadValue(nil, p.br)
	if err != nil {
		return fmt.Errorf("config: %w", p.classify(err))
	}
	if p.g, err = open(string(name), setup, config); err != nil {
		return fmt.Errorf("open %q: %w", name, err)
	}
	h, ok := p.g.(Hasher)
	if !ok {
		return fmt.Errorf("game %q (%T) has no StateHash", name, p.g)
	}
	p.h = h
	return nil
}

// record replays one tick, or reads the end marker and reports done.
func (p *replayer) record() (done bool, err error) {
	code, err := p.dec.PeekCode()
	if err != nil {
		return false, p.classify(err) // no end marker
	}
	if code == msgpcode.Nil {
		_ = p.dec.DecodeNil()
		if _, err := p.dec.PeekCode(); !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("data after the end marker: %w", ErrCorrupt)
		}
		return true, nil
	}
	if err := p.arrayLen(3); err != nil {
		return false, err
	}
	t, err := p.uint(math.MaxUint32)
	if err != nil {
		return false, err
	}
	tick := uint32(t)
	if tick <= p.last {
		return false, fmt.Errorf("tick %d after tick %d: %w", tick, p.last, ErrCorrupt)
	}
	n, err := p.dec.DecodeArrayLen()
	if err != nil {
		return false, p.classify(err)
	}
	p.rejected = ""
	for i := range max(n, 0) {
		if err := p.call(); err != nil {
			return false, fmt.Errorf("tick %d, call %d: %w", tick, i, err)
		}
	}
	want, err := p.dec.DecodeUint64()
	if err != nil {
		return false, p.classify(err)
	}
	p.g.Step(tick)
	p.last = tick
	p.res.Ticks++
	switch got := p.h.StateHash(); {
	case p.rejected != "":
		p.mismatch(tick, want, got, p.rejected)
	case got != want:
		p.mismatch(tick, want, got, "state hash")
	}
	return false, nil
}

func (p *replayer) call() error {
	n, err := p.dec.DecodeArrayLen()
	if err != nil {
		return p.classify(err)
	}
	kind, err := p.uint(math.MaxUint8)
	if err != nil {
		return err
	}
	u, err := p.uint(math.MaxUint32)
	if err != nil {
		return err
	}
	id := game.PlayerID(u)
	switch {
	case kind == callJoin && n == 3:
		name, err := p.bytes()
		if err != nil {
			return err
		}
		if err := p.g.Join(id, string(name)); err != nil {
			p.reject(fmt.Sprintf("join of player %d rejected: %v", id, err))
		}
	case kind == callLeave && n == 2:
		p.g.Leave(id)
	case kind == callInput && n == 3:
		payload, err := p.bytes()
		if err != nil {
			return err
		}
		// The game decodes the payload, with a library that recurses once
		// per level: bound the depth as the server did when it took the
		// input. Other flaws are the game's to reject, as they were live.
		if err := netcode.CheckValue(payload); errors.Is(err, netcode.ErrTooDeep) {
			return fmt.Errorf("input of player %d: %w: %w", id, err, ErrCorrupt)
		}
		// A copy, since the buffer is reused and a game may keep the
		// payload until its next Step.
		if err := p.g.Input(id, bytes.Clone(payload)); err != nil {
			p.reject(fmt.Sprintf("input of player %d rejected: %v", id, err))
		}
	case kind == callRequest && n == 4:
		kindName, err := p.bytes()
		if err != nil {
			return err
		}
		name := string(kindName) // bytes reuses its buffer
		data, err := p.bytes()
		if err != nil {
			return err
		}
		if err := netcode.CheckValue(data); errors.Is(err, netcode.ErrTooDeep) {
			return fmt.Errorf("request of player %d: %w: %w", id, err, ErrCorrupt)
		}
		g, ok := p.g.(game.Requester)
		if !ok {
			p.reject(fmt.Sprintf("request %q of player %d: the game answers no requests", name, id))
			break
		}
		if _, err := g.Request(id, name, data); err != nil {
			p.reject(fmt.Sprintf("request %q of player %d refused: %v", name, id, err))
		}
	default:
		return fmt.Errorf("call kind %d with %d fields: %w", kind, n, ErrCorrupt)
	}
	return nil
}

// reject notes that the game refused a recorded call, which it accepted when
// recording: the tick diverges whatever its hash says.
func (p *replayer) reject(reason string) {
	if p.rejected == "" {
		p.rejected = reason
	}
}

// mismatch notes the first divergence.
func (p *replayer) mismatch(tick uint32, want, got uint64, reason string) {
	if p.res.FirstMismatch == 0 {
		p.res.FirstMismatch, p.res.Want, p.res.Got, p.res.Reason = tick, want, got, reason
	}
}

// readChunk bounds what a string or bin allocates before its bytes are
// read, so that a corrupt length cannot claim gigabytes.
const readChunk = 64 << 10

// bytes reads a msgpack str or bin (nil reads as empty) into a buffer that
// is reused by the next call. The msgpack library's DecodeBytes allocates
// the length a header claims, before reading.
func (p *replayer) bytes() ([]byte, error) {
	n, err := p.dec.DecodeBytesLen()
	if err != nil {
		return nil, p.classify(err)
	}
	buf := p.buf[:0]
	for len(buf) < n {
		chunk := min(n-len(buf), readChunk)
		buf = slices.Grow(buf, chunk)
		buf = buf[:len(buf)+chunk]
		if err := p.dec.ReadFull(buf[len(buf)-chunk:]); err != nil {
			return nil, p.classify(err)
		}
	}
	p.buf = buf
	return buf, nil
}

func (p *replayer) arrayLen(want int) error {
	n, err := p.dec.DecodeArrayLen()
	if err != nil {
		return p.classify(err)
	}
	if n != want {
		return fmt.Errorf("array of %d, want %d: %w", n, want, ErrCorrupt)
	}
	return nil
}

func (p *replayer) uint(limit uint64) (uint64, error) {
	v, err := p.dec.DecodeUint64()
	if err != nil {
		return 0, p.classify(err)
	}
	if v > limit {
		return 0, fmt.Errorf("%d exceeds %d: %w", v, limit, ErrCorrupt)
	}
	return v, nil
}

func (p *replayer) int() (int, error) {
	v, err := p.dec.DecodeInt64()
	if err != nil {
		return 0, p.classify(err)
	}
	if v < 0 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%d out of range: %w", v, ErrCorrupt)
	}
	return int(v), nil
}

// classify tells a failing reader, a stream that ends early and one that
// is malformed apart.
func (p *replayer) classify(err error) error {
	if p.src.err != nil {
		return fmt.Errorf("read: %w", p.src.err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}
