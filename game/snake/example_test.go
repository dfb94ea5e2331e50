package snake_test

import (
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
