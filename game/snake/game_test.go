package snake_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/vmihailenco/msgpack/v5"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := snake.DefaultConfig()
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	big := snake.Config{Width: 256, Height: 256, Food: 400, RespawnTicks: 20, MaxPlayers: 200}
	if err := big.Validate(); err != nil {
		t.Fatalf("big scenario: Validate() = %v", err)
	}
	tests := []struct {
		name   string
		change func(*snake.Config)
		want   string
	}{
		{"narrow", func(c *snake.Config) { c.Width = 7 }, "width 7"},
		{"wide", func(c *snake.Config) { c.Width = 257 }, "width 257"},
		{"short", func(c *snake.Config) { c.Height = 0 }, "height 0"},
		{"tall", func(c *snake.Config) { c.Height = 1000 }, "height 1000"},
		{"negative food", func(c *snake.Config) { c.Food = -1 }, "food -1"},
		{"food fills board", func(c *snake.Config) { c.Food = 64 * 64 }, "food 4096"},
		{"no respawn delay", func(c *snake.Config) { c.RespawnTicks = 0 }, "respawn ticks 0"},
		{"huge respawn delay", func(c *snake.Config) { c.RespawnTicks = 1 << 16 }, "respawn ticks 65536"},
		{"no players", func(c *snake.Config) { c.MaxPlayers = 0 }, "max players 0"},
		{"too many players", func(c *snake.Config) { c.MaxPlayers = 700 }, "max players 700 too many"},
	}
	for _, tt := range tests {
		cfg := snake.DefaultConfig()
		tt.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want an error mentioning %q", tt.name, err, tt.want)
		}
		if _, err := snake.Type(cfg); err == nil {
			t.Errorf("%s: Type() accepted the config", tt.name)
		}
	}
}

func TestTypeAndOpen(t *testing.T) {
	t.Parallel()
	typ, err := snake.Type(snake.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if typ.Name != "snake" {
		t.Errorf("Name = %q, want snake", typ.Name)
	}
	g, err := typ.New(game.Setup{Seed: 3, MaxPlayers: 4, TickRate: 20})
	if err != nil {
		t.Fatal(err)
	}
	want := snake.DefaultConfig()
	want.MaxPlayers = 4
	if got := g.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v (MaxPlayers from Setup)", got, want)
	}
	if _, err := typ.New(game.Setup{MaxPlayers: 10000}); err == nil {
		t.Errorf("New accepted 10000 players on 64x64")
	}

	raw, err := msgpack.Marshal(g.Config())
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := msgpack.Unmarshal(raw, &keys); err != nil {
		t.Fatalf("config is not a msgpack map: %v", err)
	}
	for _, k := range []string{"w", "h", "food", "respawn_ticks", "max_players"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("config map %v lacks key %q", keys, k)
		}
	}
	setup := game.Setup{Seed: 3, MaxPlayers: 4, TickRate: 20}
	opened, err := snake.Open(setup, raw)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got, want := opened.(*snake.Game).StateHash(), g.(*snake.Game).StateHash(); got != want {
		t.Errorf("opened game hash %x, want %x as built by Type", got, want)
	}
	for name, bad := range map[string][]byte{
		"garbage":       {0xc1},
		"unknown field": mustMarshal(t, map[string]int{"w": 64, "h": 64, "food": 1, "respawn_ticks": 1, "max_players": 1, "walls": 1}),
		"invalid":       mustMarshal(t, snake.Config{Width: 3}),
	} {
		if _, err := snake.Open(setup, bad); err == nil {
			t.Errorf("Open(%s) succeeded", name)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInputPayload(t *testing.T) {
	t.Parallel()
	for d := snake.Up; d <= snake.Left; d++ {
		got, err := snake.DecodeTurn(snake.EncodeTurn(d))
		if err != nil || got != d {
			t.Errorf("DecodeTurn(EncodeTurn(%v)) = %v, %v", d, got, err)
		}
		for _, v := range []any{uint8(d), uint64(d), int64(d), int8(d)} {
			enc := msgpack.NewEncoder(nil)
			var b strings.Builder
			enc.Reset(&b)
			enc.UseCompactInts(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			if got, err := snake.DecodeTurn([]byte(b.String())); err != nil || got != d {
				t.Errorf("DecodeTurn(% x) = %v, %v; want %v", b.String(), got, err, d)
			}
		}
	}
	for name, bad := range map[string][]byte{
		"empty":          {},
		"four":           {0x04},
		"negative":       {0xff},
		"negative int8":  {0xd0, 0xff},
		"big":            {0xcd, 0x01, 0x00},
		"string":         {0xa2, 'u', 'p'},
		"nil":            {0xc0},
		"trailing bytes": {0x01, 0x01},
		"short uint16":   {0xcd, 0x00},
		"float":          {0xca, 0, 0, 0, 0},
	} {
		if _, err := snake.DecodeTurn(bad); !errors.Is(err, game.ErrBadInput) {
			t.Errorf("DecodeTurn(%s % x) = %v, want ErrBadInput", name, bad, err)
		}
	}
}

func TestJoinLeaveInput(t *testing.T) {
	t.Parallel()
	cfg := snake.Config{Width: 16, Height: 16, Food: 4, RespawnTicks: 5, MaxPlayers: 2}
	g, err := snake.New(cfg, game.Setup{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Join(0, "zero"); !errors.Is(err, game.ErrRejected) {
		t.Errorf("Join(0) = %v, want ErrRejected", err)
	}
	for _, p := range []game.PlayerID{5, 2} {
		if err := g.Join(p, "x"); err != nil {
			t.Fatalf("Join(%d) = %v", p, err)
		}
	}
	if err := g.Join(2, "again"); !errors.Is(err, game.ErrRejected) {
		t.Errorf("Join twice = %v, want ErrRejected", err)
	}
	if err := g.Join(9, "third"); !errors.Is(err, game.ErrRejected) {
		t.Errorf("Join beyond MaxPlayers = %v, want ErrRejected", err)
	}
	if err := g.Input(7, snake.EncodeTurn(snake.Up)); !errors.Is(err, game.ErrBadInput) {
		t.Errorf("Input from a stranger = %v, want ErrBadInput", err)
	}
	if err := g.Input(2, []byte{9}); !errors.Is(err, game.ErrBadInput) {
		t.Errorf("Input(9) = %v, want ErrBadInput", err)
	}
	// Waiting players' turns are accepted but not queued.
	input(t, g, 2, snake.Up)
	if _, q := snake.Pending(g, 2); q != 0 {
		t.Errorf("waiting player queued %d turns, want 0", q)
	}
	step(t, g, 1)
	s := snap(t, g)
	if got := []game.PlayerID{s.Snakes[0].Player, s.Snakes[1].Player}; !reflect.DeepEqual(got, []game.PlayerID{2, 5}) {
		t.Errorf("snapshot players = %v, want [2 5] (ascending)", got)
	}
	free := snake.FreeCells(g)
	g.Leave(5)
	g.Leave(42) // unknown: ignored
	if got, want := snake.FreeCells(g), free+3; got != want {
		t.Errorf("free cells after Leave = %d, want %d", got, want)
	}
	if err := snake.CheckInvariants(g); err != nil {
		t.Error(err)
	}
	if got := len(snap(t, g).Snakes); got != 1 {
		t.Errorf("snakes after Leave = %d, want 1", got)
	}
	if err := g.Join(9, "now there is a seat"); err != nil {
		t.Errorf("Join after Leave = %v", err)
	}
}

func TestEventEncoding(t *testing.T) {
	t.Parallel()
	var got []any
	if err := msgpack.Unmarshal(mustMarshal(t, snake.Died{Victim: 3, Killer: 9, Cause: snake.CauseHeadOn}), &got); err != nil {
		t.Fatal(err)
	}
	if want := []any{uint32(3), uint32(9), "head-on"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Died encodes as %#v, want %#v", got, want)
	}
	var d snake.Died
	if err := msgpack.Unmarshal(mustMarshal(t, []any{3, 0, "wall"}), &d); err != nil || d.Victim != 3 || d.Cause != snake.CauseWall {
		t.Errorf("decode [3 0 wall] = %+v, %v", d, err)
	}
	for _, v := range []any{snake.Spawned{Player: 4}, snake.Respawned{Player: 4}} {
		var got []any
		if err := msgpack.Unmarshal(mustMarshal(t, v), &got); err != nil || !reflect.DeepEqual(got, []any{uint32(4)}) {
			t.Errorf("%T encodes as %#v (%v), want [4]", v, got, err)
		}
	}
}
