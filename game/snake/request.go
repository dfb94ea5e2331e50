package snake

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
)

// Requests a Snake room answers (game.Requester).
const (
	// RequestColour chooses the player's colour: data is a hue in degrees,
	// 0 to 359; the reply is the hue, and every member gets a colour
	// event. Spectators may not.
	RequestColour = "colour"
	// RequestColours asks for the colours chosen so far: the reply is
	// [[player, hue], ...] in player order, players who chose none left
	// out. Anyone may.
	RequestColours = "colours"
)

// KindColour is the event of a player's new colour, a Colour.
const KindColour = "colour"

// Colour is a player's chosen colour, encoded as [player, hue]: the data
// of a colour event and an element of the colours reply.
type Colour struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	Player   game.PlayerID
	Hue      uint16
}

var _ game.Requester = (*Game)(nil)

// Request answers RequestColour and RequestColours. A colour is part of
// the state (it is hashed, and lasts across a player's deaths until the
// player leaves), so the request changes it as an input would; its event
// comes with the next Step's.
func (g *Game) Request(p game.PlayerID, kind string, data []byte) (any, error) {
	switch kind {
	case RequestColours:
		out := make([]Colour, 0, len(g.players))
		for i := range g.players {
			if pl := &g.players[i]; pl.hue != 0 {
				out = append(out, Colour{Player: pl.id, Hue: pl.hue - 1})
			}
		}
		return out, nil
	case RequestColour:
		i, found := g.find(p)
		if p == 0 || !found {
			return nil, fmt.Errorf("snake: only players choose a colour: %w", game.ErrRejected)
		}
		hue, ok := decodeHue(data)
		if !ok {
			return nil, fmt.Errorf("snake: a colour is an integer hue from 0 to 359: %w", game.ErrBadInput)
		}
		g.gen++
		g.players[i].hue = uint16(hue) + 1
		g.pending = append(g.pending, game.Event{Kind: KindColour, Data: Colour{Player: p, Hue: uint16(hue)}})
		return hue, nil
	}
	return nil, fmt.Errorf("snake: no request %q: %w", kind, game.ErrUnknownRequest)
}

// decodeHue reads a hue: an integer, in any of msgpack's integer
// encodings, from 0 to 359; not nil, a float or a string that a lenient
// decode would take for one.
func decodeHue(data []byte) (int64, bool) {
	v, err := msgpack.NewDecoder(bytes.NewReader(data)).DecodeInterfaceLoose()
	switch v := v.(type) {
	case int64:
		return v, err == nil && v >= 0 && v <= 359
	case uint64:
		return int64(v), err == nil && v <= 359
	}
	return 0, false
}
