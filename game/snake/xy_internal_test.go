package snake

import "testing"

// TestXY checks the multiply that replaces division in AppendView on
// every cell of every board size.
func TestXY(t *testing.T) {
	t.Parallel()
	for w := MinSide; w <= MaxSide; w++ {
		g := &Game{cfg: Config{Width: w}, rowMul: 1<<32/uint64(w) + 1}
		for c := range w * MaxSide {
			if x, y := g.xy(uint16(c)); x != c%w || y != c/w {
				t.Fatalf("width %d, cell %d: xy = %d, %d, want %d, %d", w, c, x, y, c%w, c/w)
			}
		}
	}
}
