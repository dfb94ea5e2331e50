package store

import (
	"fmt"
	"testing"
)

// TestTopInPeriod: a board from rows in board order keeps each player's
// first row, reads more rows when the first ones were not enough, stops
// when the rows run out, and ranks the whole period when a few players
// hold more than periodScanMax top rows.
func TestTopInPeriod(t *testing.T) {
	// rows: player p's k-th row, in board order, for the players given.
	rows := func(players []int64) []Entry {
		out := make([]Entry, len(players))
		for i, p := range players {
			out[i] = Entry{Player: p, Score: int64(1000 - i)}
		}
		return out
	}
	var reads []int
	scanOf := func(all []Entry) func(int) ([]Entry, error) {
		return func(n int) ([]Entry, error) {
			reads = append(reads, n)
			return all[:min(n, len(all))], nil
		}
	}
	ranked := false
	rank := func() ([]Entry, error) { ranked = true; return []Entry{{Rank: 1, Player: 99}}, nil }

	// Player 1 holds the first 100 rows, then 2 and 3.
	var players []int64
	for range 100 {
		players = append(players, 1)
	}
	players = append(players, 2, 1, 3, 2, 4)
	got, err := topInPeriod(3, scanOf(rows(players)), rank)
	if err != nil || ranked || fmt.Sprint(entries(got)) != "[1/1 2/2 3/3]" || fmt.Sprint(reads) != "[24 96 384]" {
		t.Errorf("board %v, reads %v, ranked %v, %v", entries(got), reads, ranked, err)
	}

	reads = nil
	got, _ = topInPeriod(10, scanOf(rows([]int64{5, 6, 5})), rank)
	if fmt.Sprint(entries(got)) != "[1/5 2/6]" || fmt.Sprint(reads) != "[80]" || ranked {
		t.Errorf("a short period: board %v, reads %v", entries(got), reads)
	}

	many := make([]int64, periodScanMax+1)
	for i := range many {
		many[i] = int64(i % 2)
	}
	got, _ = topInPeriod(5, scanOf(rows(many)), rank)
	if !ranked || len(got) != 1 || got[0].Player != 99 {
		t.Errorf("two players holding the top rows: board %v, ranked %v; want the whole period ranked", entries(got), ranked)
	}
}

func entries(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%d/%d", e.Rank, e.Player)
	}
	return out
}
