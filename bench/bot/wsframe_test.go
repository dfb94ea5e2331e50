package bot

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// serverFrameOf is a server's unmasked frame, as RFC 6455 §5.2 lays it out.
func serverFrameOf(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xffff:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

func TestParseServerFrameLengths(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 0xffff, 0x10000} {
		p := bytes.Repeat([]byte{7}, n)
		b := serverFrameOf(opBinary, p)
		for cut := range min(len(b), 12) {
			if _, used, _, err := parseServerFrame(b[:cut], 1<<20); used != 0 || err != nil {
				t.Fatalf("%d-byte payload cut at %d: used %d, err %v; want an incomplete frame", n, cut, used, err)
			}
		}
		f, used, need, err := parseServerFrame(append(b, 0x88), 1<<20)
		if err != nil || used != len(b) || need != len(b) || f.op != opBinary || !bytes.Equal(f.payload, p) {
			t.Fatalf("%d-byte payload: op %#x, %d payload bytes, used %d need %d err %v", n, f.op, len(f.payload), used, need, err)
		}
	}
}

func TestParseServerFrameRefuses(t *testing.T) {
	for name, b := range map[string][]byte{
		"masked":            {0x82, 0x81, 1, 2, 3, 4, 5},
		"reserved bit":      {0xc2, 0},
		"fragment":          {0x02, 0},
		"continuation":      {0x80, 0},
		"long control":      append([]byte{0x89, 126, 0, 126}, make([]byte, 126)...),
		"over the limit":    {0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0},
		"length over int64": {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0},
	} {
		if _, _, _, err := parseServerFrame(b, 1<<20); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestClientFrameUnmasks(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, n := range []int{0, 5, 125, 126, 70000} {
		p := bytes.Repeat([]byte("abc"), n)[:n]
		b := appendClientFrame(nil, opBinary, p, key)
		head := map[bool]int{true: 2, false: 4}[n < 126]
		if n > 0xffff {
			head = 10
		}
		if b[0] != 0x82 || b[1]&0x80 == 0 || !bytes.Equal(b[head:head+4], key[:]) {
			t.Fatalf("%d bytes: header % x", n, b[:head+4])
		}
		got := b[head+4:]
		for i := range got {
			got[i] ^= key[i&3]
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("%d bytes: unmasked payload differs", n)
		}
	}
}

// FuzzParseServerFrame: any bytes give a frame within them, an incomplete
// frame, or an error; never a panic or a slice out of b.
func FuzzParseServerFrame(f *testing.F) {
	f.Add(serverFrameOf(opBinary, []byte{0x92, 0x10, 0x80}))
	f.Add(serverFrameOf(opClose, []byte{0x03, 0xe8}))
	f.Add(serverFrameOf(opPing, nil))
	f.Add([]byte{0x82, 126, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, used, need, err := parseServerFrame(b, 1<<16)
		switch {
		case err != nil:
			if used != 0 {
				t.Fatalf("error with %d bytes used", used)
			}
		case used == 0:
			if need != 0 && need <= len(b) {
				t.Fatalf("incomplete, yet needs %d of %d bytes", need, len(b))
			}
		default:
			if used > len(b) || need != used || len(fr.payload) > used {
				t.Fatalf("used %d need %d payload %d of %d bytes", used, need, len(fr.payload), len(b))
			}
			if !bytes.Equal(serverFrameOf(fr.op, fr.payload), b[:used]) && b[1]&0x7f < 126 {
				t.Fatalf("frame % x does not re-encode as parsed", b[:used])
			}
		}
	})
}
