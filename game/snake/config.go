package snake

import (
	"bytes"
	"fmt"

	"github.com/tickroom/tickroom/game"
	"github.com/vmihailenco/msgpack/v5"
)

// Limits of a Config.
const (
	// MinSide is the smallest board side.
	MinSide = 8
	// MaxSide is the largest board side: a cell index y*W+x of a
	// MaxSide x MaxSide board still fits in the uint16 of the wire format.
	MaxSide = 256
	// MaxRespawnTicks bounds RespawnTicks so that the countdown fits the
	// snapshot's uint16.
	MaxRespawnTicks = 1<<16 - 1
	// spawnCells is what spawning a snake needs: a run of 3 body cells and
	// 3 free cells ahead of the head.
	spawnCells = 6
)

// Defaults of the "arena" benchmark scenario.
const (
	DefaultWidth        = 64
	DefaultHeight       = 64
	DefaultFood         = 16
	DefaultRespawnTicks = 20
	DefaultMaxPlayers   = 8
	// DefaultView and DefaultViewMargin are the area of interest that
	// tickroom serve --area-of-interest uses.
	DefaultView       = 48
	DefaultViewMargin = 8
	// DefaultViewGrid is the chunk side that views snap to when
	// Config.ViewGrid is 0.
	DefaultViewGrid = 16
)

// Config is the settings of one Snake room. It is also what Game.Config
// returns, so it travels to clients on join, as a msgpack map.
type Config struct {
	// Width and Height are the board size in cells.
	Width  int `msgpack:"w"`
	Height int `msgpack:"h"`
	// Food is the number of food items kept on the board.
	Food int `msgpack:"food"`
	// RespawnTicks is how many ticks a dead player waits for a new snake.
	RespawnTicks int `msgpack:"respawn_ticks"`
	// MaxPlayers is the seat count; Join rejects players beyond it.
	MaxPlayers int `msgpack:"max_players"`

	// Area of interest (see Game.View). The fields are omitted from the
	// msgpack form while zero, so that a config without a viewport encodes
	// as it did before they existed.
	//
	// View is the side, in cells, of the square a client shows around its
	// snake's head; 0 turns area of interest off (View always reports the
	// whole board).
	View int `msgpack:"view,omitempty"`
	// ViewMargin is how many cells beyond the viewport a view holds on each
	// side, so that a client can scroll a little before the view moves.
	ViewMargin int `msgpack:"view_margin,omitempty"`
	// ViewGrid is the side of the chunks that views snap to; 0 means
	// DefaultViewGrid. Players whose heads share a chunk share a view, and
	// so its encoded bytes.
	ViewGrid int `msgpack:"view_grid,omitempty"`
}

// DefaultConfig returns the "arena" scenario: 64x64, 16 food, respawn after
// 20 ticks, 8 players.
func DefaultConfig() Config {
	return Config{
		Width:        DefaultWidth,
		Height:       DefaultHeight,
		Food:         DefaultFood,
		RespawnTicks: DefaultRespawnTicks,
		MaxPlayers:   DefaultMaxPlayers,
	}
}

// Validate reports the first setting that the game cannot run with.
func (c Config) Validate() error {
	switch {
	case c.Width < MinSide || c.Width > MaxSide:
		return fmt.Errorf("snake: width %d out of range [%d, %d]", c.Width, MinSide, MaxSide)
	case c.Height < MinSide || c.Height > MaxSide:
		return fmt.Errorf("snake: height %d out of range [%d, %d]", c.Height, MinSide, MaxSide)
	case c.Food < 0 || c.Food >= c.Width*c.Height:
		return fmt.Errorf("snake: food %d out of range [0, %d) for a %dx%d board",
			c.Food, c.Width*c.Height, c.Width, c.Height)
	case c.RespawnTicks < 1 || c.RespawnTicks > MaxRespawnTicks:
		return fmt.Errorf("snake: respawn ticks %d out of range [1, %d]", c.RespawnTicks, MaxRespawnTicks)
	case c.MaxPlayers < 1:
		return fmt.Errorf("snake: max players %d must be at least 1", c.MaxPlayers)
	case c.MaxPlayers > (c.Width*c.Height-c.Food)/spawnCells:
		// Each snake needs a free run of 6 cells to spawn; past this many
		// players, some could never get one even on an otherwise empty board.
		return fmt.Errorf("snake: max players %d too many for a %dx%d board with %d food (at most %d)",
			c.MaxPlayers, c.Width, c.Height, c.Food, (c.Width*c.Height-c.Food)/spawnCells)
	case c.View < 0 || c.View > MaxSide:
		return fmt.Errorf("snake: view %d out of range [0, %d]", c.View, MaxSide)
	case c.ViewMargin < 0 || c.ViewMargin > MaxSide:
		return fmt.Errorf("snake: view margin %d out of range [0, %d]", c.ViewMargin, MaxSide)
	case c.ViewGrid < 0 || c.ViewGrid > MaxSide:
		return fmt.Errorf("snake: view grid %d out of range [0, %d]", c.ViewGrid, MaxSide)
	case c.View == 0 && (c.ViewMargin != 0 || c.ViewGrid != 0):
		// Most likely a config that meant to turn area of interest on.
		return fmt.Errorf("snake: view margin %d and grid %d set without a view", c.ViewMargin, c.ViewGrid)
	}
	return nil
}

// Type returns the Snake game type with cfg as its settings. A room's
// Setup.MaxPlayers, when positive, overrides cfg.MaxPlayers. Its games
// implement game.Viewer, and it has Delta and Patch.
func Type(cfg Config) (game.Type, error) {
	if err := cfg.Validate(); err != nil {
		return game.Type{}, err
	}
	return game.Type{
		Name: Name,
		New: func(setup game.Setup) (game.Game, error) {
			return New(cfg, setup)
		},
		Delta: Delta,
		Patch: Patch,
	}, nil
}

// Open builds a game from a Config in its msgpack form, as a Game's
// Config() value was encoded (for example in a recorded match).
func Open(setup game.Setup, config msgpack.RawMessage) (game.Game, error) {
	var cfg Config
	dec := msgpack.NewDecoder(bytes.NewReader(config))
	// A field we do not know is more likely a typo or another game's config
	// than something safe to ignore.
	dec.DisallowUnknownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("snake: open: decode config: %w", err)
	}
	g, err := New(cfg, setup)
	if err != nil {
		return nil, fmt.Errorf("snake: open: %w", err)
	}
	return g, nil
}

// Name is the game's name in a game.Type.
const Name = "snake"
