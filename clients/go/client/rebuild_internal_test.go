package client

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tickroom/tickroom/netcode"
)

// appendPatch is a toy patch: the delta is appended to the base.
func appendPatch(dst, base, delta []byte) ([]byte, error) {
	if len(delta) == 0 {
		return dst, errors.New("empty delta")
	}
	return append(append(dst, base...), delta...), nil
}

func TestRebuild(t *testing.T) {
	c := &Client{patch: appendPatch}
	steps := []struct {
		tick, base uint32
		payload    string
		want       string
		wantErr    bool
	}{
		{tick: 1, payload: "a", want: "a"},
		{tick: 2, base: 1, payload: "b", want: "ab"},
		{tick: 5, base: 2, payload: "c", want: "abc"},
		{tick: 6, base: 4, payload: "d", wantErr: true}, // not the held state
		{tick: 7, payload: "x", want: "x"},              // a full one resets
		{tick: 8, base: 7, payload: "", wantErr: true},  // the patch refuses
		{tick: 9, base: 7, payload: "y", want: "xy"},
	}
	for _, s := range steps {
		m := netcode.Message{Type: netcode.MsgSnapshot, Tick: s.tick, Base: s.base, Payload: []byte(s.payload)}
		err := c.rebuild(&m)
		if s.wantErr {
			if err == nil {
				t.Fatalf("tick %d base %d: no error, want one", s.tick, s.base)
			}
			continue
		}
		if err != nil {
			t.Fatalf("tick %d: %v", s.tick, err)
		}
		if !bytes.Equal(m.Payload, []byte(s.want)) {
			t.Fatalf("tick %d: state %q, want %q", s.tick, m.Payload, s.want)
		}
	}
	if got := c.Deltas(); got != 3 {
		t.Fatalf("%d deltas counted, want 3", got)
	}
}

func TestRebuildWithoutPatchRefusesDeltas(t *testing.T) {
	c := &Client{}
	full := netcode.Message{Type: netcode.MsgSnapshot, Tick: 1, Payload: []byte("a")}
	if err := c.rebuild(&full); err != nil {
		t.Fatal(err)
	}
	delta := netcode.Message{Type: netcode.MsgSnapshot, Tick: 2, Base: 1, Payload: []byte("b")}
	if err := c.rebuild(&delta); err == nil {
		t.Fatal("a client without a patch accepted a delta")
	}
}
