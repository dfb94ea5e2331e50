package snake

import "github.com/tickroom/tickroom/game"

// Event kinds returned by Step. The lobby sends joined and left itself.
const (
	// KindDied has a Died.
	KindDied = "died"
	// KindSpawned has a Spawned: a player's first snake since joining.
	KindSpawned = "spawned"
	// KindRespawned has a Respawned: a new snake after a death.
	KindRespawned = "respawned"
)

// Cause says why a snake died.
type Cause string

// Causes of death, in the order Step checks them when several apply.
const (
	// CauseWall: the head would leave the board.
	CauseWall Cause = "wall"
	// CauseSelf: the head would enter the snake's own body.
	CauseSelf Cause = "self"
	// CauseBody: the head would enter another snake's body; that snake's
	// player is the killer.
	CauseBody Cause = "body"
	// CauseHeadOn: two or more heads would enter the same cell; all die,
	// with no killer.
	CauseHeadOn Cause = "head-on"
)

// Died is the data of a "died" event, encoded as [victim, killer, cause].
type Died struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	Victim   game.PlayerID
	// Killer is 0 when no player is to blame.
	Killer game.PlayerID
	Cause  Cause
}

// Spawned is the data of a "spawned" event, encoded as [player].
type Spawned struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	Player   game.PlayerID
}

// Respawned is the data of a "respawned" event, encoded as [player].
type Respawned struct {
	//lint:ignore U1000 msgpack reads the tag of this field by reflection.
	_msgpack struct{} `msgpack:",as_array"`
	Player   game.PlayerID
}
