package snake_test

import (
	"bytes"
	"fmt"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

// A room's view: join, send a turn, step, and encode the snapshot that a
// client decodes and draws.
func Example() {
	g, err := snake.New(snake.DefaultConfig(), game.Setup{Seed: 1})
	if err != nil {
		panic(err)
	}
	_ = g.Join(1, "ada")
	fmt.Println(g.Step(1)) // the snake appears at the end of the tick
	_ = g.Input(1, snake.EncodeTurn(snake.Left))
	g.Step(2)

	s, err := snake.DecodeSnapshot(g.AppendSnapshot(nil))
	if err != nil {
		panic(err)
	}
	cells, _ := s.AppendCells(nil, &s.Snakes[0])
	fmt.Println("tick", s.Tick, "snake cells", len(cells), "food", s.FoodCount())
	// Output:
	// [{spawned {{} 1}}]
	// tick 2 snake cells 3 food 16
}

// A connection's snapshots as deltas: the server sends the change from the
// last snapshot it wrote (or the snapshot itself when that is no larger),
// and the client patches its copy.
func ExampleDelta() {
	g, err := snake.New(snake.DefaultConfig(), game.Setup{Seed: 1})
	if err != nil {
		panic(err)
	}
	for p := range game.PlayerID(8) {
		_ = g.Join(p+1, "bot")
	}
	g.Step(1)
	client := g.AppendSnapshot(nil) // the first snapshot goes out whole
	for tick := uint32(2); tick <= 4; tick++ {
		g.Step(tick)
		cur := g.AppendSnapshot(nil)
		delta, err := snake.Delta(nil, client, cur)
		if err != nil {
			panic(err)
		}
		if client, err = snake.Patch(nil, client, delta); err != nil {
			panic(err)
		}
		fmt.Printf("tick %d: snapshot %d bytes, delta %d bytes, patched equal: %v\n",
			tick, len(cur), len(delta), bytes.Equal(client, cur))
	}
	// Output:
	// tick 2: snapshot 149 bytes, delta 18 bytes, patched equal: true
	// tick 3: snapshot 149 bytes, delta 18 bytes, patched equal: true
	// tick 4: snapshot 148 bytes, delta 18 bytes, patched equal: true
}
