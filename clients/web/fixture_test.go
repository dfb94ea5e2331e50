package web_test

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
)

var update = flag.Bool("update", false, "regenerate docs/vectors/snake-snapshot.json and snake-deltas.json from seeded games")

const fixturePath = "../../docs/vectors/snake-snapshot.json"

// fixture is a Snake snapshot as the server encodes it and as a client must
// decode it. The JavaScript tests (test/snake.test.js) decode the same
// bytes and compare with Want, so the Go and browser decoders agree.
type fixture struct {
	Comment string        `json:"comment"`
	Hex     string        `json:"hex"`
	Want    fixtureDecode `json:"want"`
}

type fixtureDecode struct {
	Tick   uint32         `json:"tick"`
	Width  uint16         `json:"width"`
	Height uint16         `json:"height"`
	Snakes []fixtureSnake `json:"snakes"`
	Food   []uint16       `json:"food"`
}

type fixtureSnake struct {
	Player    uint32   `json:"player"`
	Status    uint8    `json:"status"`
	Score     uint32   `json:"score"`
	Best      uint32   `json:"best"`
	RespawnIn uint16   `json:"respawnIn"`
	Head      uint16   `json:"head"`
	Dir       uint8    `json:"dir"`
	Len       uint32   `json:"len"`
	Cells     []uint16 `json:"cells"`
}

// decodeFixture decodes snapshot bytes with the snake package.
func decodeFixture(t *testing.T, b []byte) fixtureDecode {
	t.Helper()
	s, err := snake.DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	d := fixtureDecode{Tick: s.Tick, Width: s.Width, Height: s.Height, Snakes: []fixtureSnake{}, Food: s.AppendFood([]uint16{})}
	for i := range s.Snakes {
		sn := &s.Snakes[i]
		cells, err := s.AppendCells([]uint16{}, sn)
		if err != nil {
			t.Fatal(err)
		}
		d.Snakes = append(d.Snakes, fixtureSnake{
			Player: uint32(sn.Player), Status: uint8(sn.Status), Score: sn.Score, Best: sn.Best,
			RespawnIn: sn.RespawnIn, Head: sn.Head, Dir: uint8(sn.Dir), Len: sn.Len, Cells: cells,
		})
	}
	return d
}

// TestSnakeFixture checks that the committed fixture still decodes, with
// the snake package, to what the JavaScript tests expect.
func TestSnakeFixture(t *testing.T) {
	if *update {
		writeFixture(t)
	}
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("%v (go test ./clients/web -run TestSnakeFixture -update writes it)", err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(f.Hex)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeFixture(t, b); !reflect.DeepEqual(got, f.Want) {
		t.Errorf("the snake package decodes %s as\n%+v\nwant\n%+v", fixturePath, got, f.Want)
	}
	// The fixture must exercise what a decoder can get wrong.
	var alive, dead, long bool
	for _, s := range f.Want.Snakes {
		alive = alive || s.Status == uint8(snake.Alive)
		dead = dead || (s.Status == uint8(snake.Dead) && s.RespawnIn > 0)
		long = long || (s.Len > 5 && s.Len%4 != 1) // a partly used last body byte
	}
	if !alive || !dead || !long || len(f.Want.Food) == 0 {
		t.Errorf("fixture lacks a living snake, a dead one, a long one or food: %+v", f.Want)
	}
}

// writeFixture plays a small seeded game with turning snakes until the
// board shows a long bent snake, a dead one waiting to respawn, and food.
func writeFixture(t *testing.T) {
	cfg := snake.Config{Width: 16, Height: 12, Food: 6, RespawnTicks: 30, MaxPlayers: 4}
	g, err := snake.New(cfg, game.Setup{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	for p := game.PlayerID(1); p <= 3; p++ {
		if err := g.Join(p, ""); err != nil {
			t.Fatal(err)
		}
	}
	var board snake.Board
	var s snake.Snapshot
	rnd := uint64(1)
	for tick := uint32(1); tick <= 2000; tick++ {
		g.Step(tick)
		b := g.AppendSnapshot(nil)
		if err := s.Decode(b); err != nil {
			t.Fatal(err)
		}
		d := decodeFixture(t, b)
		var dead, long bool
		for _, sn := range d.Snakes {
			dead = dead || (sn.Status == uint8(snake.Dead) && sn.RespawnIn > 0)
			long = long || (sn.Len > 5 && sn.Len%4 != 1 && bent(sn.Cells))
		}
		if dead && long && len(d.Food) > 0 {
			f := fixture{
				Comment: "A Snake snapshot from a seeded 16x12 game (clients/web/fixture_test.go -update), and its decoding by the snake package.",
				Hex:     hex.EncodeToString(b),
				Want:    d,
			}
			out, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(fixturePath), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fixturePath, append(out, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		// Steer: player 1 heads for food, the others wander; all of them
		// turn away when the way ahead is blocked.
		if err := board.Load(&s); err != nil {
			t.Fatal(err)
		}
		food := s.AppendFood(nil)
		for _, sn := range s.Snakes {
			if sn.Status != snake.Alive {
				continue
			}
			x, y := int(sn.Head)%int(s.Width), int(sn.Head)/int(s.Width)
			free := func(d snake.Direction) bool { dx, dy := d.Delta(); return board.Free(x+dx, y+dy) }
			turn := sn.Dir
			rnd = rnd*6364136223846793005 + 1442695040888963407
			switch {
			case sn.Player == 1 && len(food) > 0:
				fx, fy := int(food[0])%int(s.Width), int(food[0])/int(s.Width)
				for _, d := range []snake.Direction{snake.Up, snake.Right, snake.Down, snake.Left} {
					dx, dy := d.Delta()
					if d != sn.Dir.Reverse() && free(d) && abs(fx-x-dx)+abs(fy-y-dy) < abs(fx-x)+abs(fy-y) {
						turn = d
						break
					}
				}
			case rnd>>60 == 0:
				turn = sn.Dir.TurnLeft()
			}
			if !free(turn) {
				for _, d := range []snake.Direction{sn.Dir, sn.Dir.TurnLeft(), sn.Dir.TurnRight()} {
					if free(d) {
						turn = d
						break
					}
				}
			}
			if turn != sn.Dir {
				if err := g.Input(sn.Player, snake.EncodeTurn(turn)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Fatal("no tick showed a long bent snake, a dead one and food")
}

// bent reports whether the cells turn at least twice.
func bent(cells []uint16) bool {
	turns := 0
	for i := 2; i < len(cells); i++ {
		if int(cells[i])-int(cells[i-1]) != int(cells[i-1])-int(cells[i-2]) {
			turns++
		}
	}
	return turns >= 2
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
