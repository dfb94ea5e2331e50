package replay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// Version is the file format version that Recorder writes and Replay reads.
const Version = 1

// Kinds of call in a record.
const (
	callJoin    = 0
	callLeave   = 1
	callInput   = 2
	callRequest = 3
)

// ErrClosed is returned by a Recorder's methods after Close.
var ErrClosed = errors.New("replay: recorder closed")

// Recorder writes a recording. Its methods are called from the room's
// goroutine and are not safe for concurrent use.
//
// Calls are encoded into a reusable buffer and each tick is written to a
// buffered writer, so a tick costs a few small copies and no allocation
// once the buffers have grown.
type Recorder struct {
	w   *bufio.Writer
	enc *msgpack.Encoder // onto w

	calls    bytes.Buffer
	callEnc  *msgpack.Encoder // onto calls
	numCalls int

	lastTick uint32
	err      error // sticky: the first write error
	closed   bool
}

// NewRecorder writes the header of a recording to w. config is the game's
// Config() value; it must be msgpack-encodable.
func NewRecorder(w io.Writer, gameName string, setup game.Setup, config any) (*Recorder, error) {
	cfg, err := msgpack.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("replay: encode config: %w", err)
	}
	r := &Recorder{w: bufio.NewWriter(w)}
	r.enc = msgpack.NewEncoder(r.w)
	r.enc.UseCompactInts(true)
	r.callEnc = msgpack.NewEncoder(&r.calls)
	r.callEnc.UseCompactInts(true)
	e := r.enc
	err = errors.Join(
		e.EncodeArrayLen(4),
		e.EncodeUint(Version),
		e.EncodeString(gameName),
		e.EncodeArrayLen(3),
		e.EncodeUint(setup.Seed),
		e.EncodeInt(int64(setup.MaxPlayers)),
		e.EncodeInt(int64(setup.TickRate)),
	)
	if err == nil {
		_, err = r.w.Write(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("replay: write header: %w", err)
	}
	return r, nil
}

// Join records a join that the game accepted. Like Leave and Input, it
// only buffers the call, so its error is that of an earlier write (or
// ErrClosed): the recording is already lost.
func (r *Recorder) Join(p game.PlayerID, name string) error {
	if err := r.call(callJoin, p, 3); err != nil {
		return err
	}
	_ = r.callEnc.EncodeString(name) // a bytes.Buffer does not fail
	return nil
}

// Leave records a leave.
func (r *Recorder) Leave(p game.PlayerID) error {
	return r.call(callLeave, p, 2)
}

// Input records an input that the game accepted; the room should not record
// rejected ones, which did not change the state.
func (r *Recorder) Input(p game.PlayerID, payload []byte) error {
	if err := r.call(callInput, p, 3); err != nil {
		return err
	}
	// EncodeBytes would write nil for a nil payload; keep it a bin.
	_ = r.callEnc.EncodeBytesLen(len(payload))
	r.calls.Write(payload)
	return nil
}

// Request records a request that the game answered (game.Requester);
// one it refused did not change the state, as a rejected input.
func (r *Recorder) Request(p game.PlayerID, kind string, data []byte) error {
	if err := r.call(callRequest, p, 4); err != nil {
		return err
	}
	_ = r.callEnc.EncodeString(kind)
	_ = r.callEnc.EncodeBytesLen(len(data))
	r.calls.Write(data)
	return nil
}

func (r *Recorder) call(kind uint64, p game.PlayerID, fields int) error {
	switch {
	case r.closed:
		return ErrClosed
	case r.err != nil:
		return r.err
	}
	_ = r.callEnc.EncodeArrayLen(fields)
	_ = r.callEnc.EncodeUint(kind)
	_ = r.callEnc.EncodeUint(uint64(p))
	r.numCalls++
	return nil
}

// EndTick writes the record of one tick: the calls made since the previous
// EndTick and hash, the game's StateHash after Step(tick). Ticks must
// increase from 1. A write error is returned now and by every later call.
func (r *Recorder) EndTick(tick uint32, hash uint64) error {
	switch {
	case r.closed:
		return ErrClosed
	case r.err != nil:
		return r.err
	case tick <= r.lastTick:
		return fmt.Errorf("replay: end tick %d after tick %d: ticks must increase from 1", tick, r.lastTick)
	}
	e := r.enc
	err := errors.Join(
		e.EncodeArrayLen(3),
		e.EncodeUint(uint64(tick)),
		e.EncodeArrayLen(r.numCalls),
	)
	if err == nil {
		_, err = r.w.Write(r.calls.Bytes())
	}
	if err == nil {
		err = e.EncodeUint64(hash)
	}
	r.calls.Reset()
	r.numCalls = 0
	r.lastTick = tick
	if err != nil {
		r.err = fmt.Errorf("replay: write tick %d: %w", tick, err)
	}
	return r.err
}

// Flush writes buffered ticks to the underlying writer, so that a crash
// loses less of the recording.
func (r *Recorder) Flush() error {
	if r.err != nil || r.closed {
		return r.err
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("replay: flush: %w", err)
	}
	return r.err
}

// Close writes the end marker and flushes. It does not close the
// underlying writer. Calls made after the last EndTick are not written.
func (r *Recorder) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if r.err != nil {
		return r.err
	}
	if err := r.enc.EncodeNil(); err != nil {
		r.err = fmt.Errorf("replay: write end: %w", err)
		return r.err
	}
	if err := r.w.Flush(); err != nil {
		r.err = fmt.Errorf("replay: flush: %w", err)
	}
	return r.err
}
