// Command probe watches a tickroom room from outside the browser for the web
// client's end-to-end tests: it joins as a spectator and prints one JSON
// line per snapshot and event, so that a test checks what the server holds,
// not what a page shows. With -bots it also seats bots that wander the
// board without crashing much, to give a screenshot some company.
//
//	go run ./clients/web/e2e/probe -url ws://127.0.0.1:8080/ws -room abcd1234 -bots 3
//
// It runs until its standard input closes or it is interrupted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/netcode"
)

// line is one line of output.
type line struct {
	Type   string      `json:"type"` // welcome, snapshot, event, error
	Player uint32      `json:"player,omitempty"`
	Room   string      `json:"room,omitempty"`
	Tick   uint32      `json:"tick,omitempty"`
	Snakes []snakeLine `json:"snakes,omitempty"`
	// CRC is the CRC-32 of the snapshot's bytes, as the server encoded
	// them: a page that patched deltas into the same state has the same.
	CRC   uint32 `json:"crc,omitempty"`
	Food  int    `json:"food,omitempty"`
	Kind  string `json:"kind,omitempty"`
	Data  any    `json:"data,omitempty"`
	Error string `json:"error,omitempty"`
}

type snakeLine struct {
	Player uint32 `json:"player"`
	Status uint8  `json:"status"`
	Dir    uint8  `json:"dir"`
	Head   uint16 `json:"head"`
	Len    uint32 `json:"len"`
	Score  uint32 `json:"score"`
}

func main() {
	url := flag.String("url", "ws://127.0.0.1:8080/ws", "the server's WebSocket URL")
	room := flag.String("room", "", "room id to watch (required)")
	bots := flag.Int("bots", 0, "bots to seat in the room")
	watch := flag.Bool("watch", true, "watch the room as a spectator and print what happens")
	flag.Parse()
	if *room == "" {
		fmt.Fprintln(os.Stderr, "probe: -room is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { // the parent ends the probe by closing its stdin
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	if err := run(ctx, *url, *room, *bots, *watch); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, room string, bots int, watch bool) error {
	out := json.NewEncoder(os.Stdout)
	var mu sync.Mutex
	emit := func(l line) {
		mu.Lock()
		defer mu.Unlock()
		out.Encode(l)
	}
	var wg sync.WaitGroup
	for i := range bots {
		wg.Go(func() {
			if err := bot(ctx, url, room, fmt.Sprintf("bot-%d", i+1), uint64(i+1)); err != nil && ctx.Err() == nil {
				emit(line{Type: "error", Error: fmt.Sprintf("bot-%d: %v", i+1, err)})
			}
		})
	}
	var err error
	if watch {
		err = spectate(ctx, url, room, emit)
	}
	wg.Wait()
	return err
}

func spectate(ctx context.Context, url, room string, emit func(line)) error {
	c, err := client.Dial(ctx, url, client.Options{Hello: netcode.Hello{Name: "probe", Room: room, Spectator: true}})
	if err != nil {
		return err
	}
	defer c.CloseNow()
	w := c.Welcome()
	emit(line{Type: "welcome", Player: w.Player, Room: w.Room, Tick: w.Tick})
	var s snake.Snapshot
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return err
		}
		switch m.Type {
		case netcode.MsgSnapshot:
			if err := s.Decode(m.Payload); err != nil {
				return err
			}
			l := line{Type: "snapshot", Tick: m.Tick, Snakes: []snakeLine{}, CRC: crc32.ChecksumIEEE(m.Payload), Food: s.FoodCount()}
			for _, sn := range s.Snakes {
				l.Snakes = append(l.Snakes, snakeLine{
					Player: uint32(sn.Player), Status: uint8(sn.Status), Dir: uint8(sn.Dir),
					Head: sn.Head, Len: sn.Len, Score: sn.Score,
				})
			}
			emit(l)
		case netcode.MsgEvent:
			var data any
			if err := msgpack.Unmarshal(m.Payload, &data); err != nil {
				data = err.Error()
			}
			emit(line{Type: "event", Tick: m.Tick, Kind: m.Kind, Data: data})
		}
	}
}

// bot plays: straight on, now and then a turn, and always a turn away from
// a cell that is not free.
func bot(ctx context.Context, url, room, name string, seed uint64) error {
	c, err := client.Dial(ctx, url, client.Options{Hello: netcode.Hello{Name: name, Room: room}})
	if err != nil {
		return err
	}
	defer c.CloseNow()
	me := c.Welcome().Player
	rng := rand.New(rand.NewPCG(seed, 7))
	var s snake.Snapshot
	var board snake.Board
	for {
		m, err := c.Next(ctx)
		if err != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return err
		}
		if m.Type != netcode.MsgSnapshot {
			continue
		}
		if err := s.Decode(m.Payload); err != nil {
			return err
		}
		if err := board.Load(&s); err != nil {
			return err
		}
		for _, sn := range s.Snakes {
			if uint32(sn.Player) != me || sn.Status != snake.Alive {
				continue
			}
			x, y := int(sn.Head)%int(s.Width), int(sn.Head)/int(s.Width)
			free := func(d snake.Direction) bool {
				dx, dy := d.Delta()
				return board.Free(x+dx, y+dy) && board.Free(x+2*dx, y+2*dy)
			}
			turn := sn.Dir
			if !free(turn) || rng.Float64() < 0.08 {
				options := []snake.Direction{sn.Dir.TurnLeft(), sn.Dir.TurnRight()}
				rng.Shuffle(2, func(i, j int) { options[i], options[j] = options[j], options[i] })
				for _, d := range options {
					if free(d) {
						turn = d
						break
					}
				}
			}
			if turn != sn.Dir {
				if _, err := c.SendInput(ctx, snake.EncodeTurn(turn)); err != nil {
					return err
				}
			}
		}
	}
}
