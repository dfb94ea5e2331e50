// Package replay records a match as the calls a room made on its game and
// the game's state hash after every tick, and replays such a recording to
// check that the game still plays it identically.
//
// A room that records creates a Recorder next to its game, tells it every
// join, leave and input that the game accepted, in the order it made them,
// and ends each tick with the hash of the state after Step. Replay rebuilds
// the game from the recording's header and makes the same calls; the first
// tick whose hash differs, or whose recorded call the game now rejects, is
// where determinism broke. Any game whose state implements Hasher can be
// recorded.
//
// # File format (version 1)
//
// A recording is a stream of msgpack values:
//
//	header = [1, game_name, [seed, max_players, tick_rate], config]
//	record = [tick, [call...], state_hash]     one per tick, ticks increasing from 1
//	call   = [0, player, name]                 join
//	       | [1, player]                       leave
//	       | [2, player, payload]              input (payload is a msgpack bin)
//	end    = nil                               written by Recorder.Close
//
// config is whatever the game's Config() returned, embedded as a msgpack
// value (not wrapped in a bin). state_hash is a uint64 and the other
// integers use their smallest msgpack encoding. A stream without the end
// marker was cut short, for example by a crash; Replay reports
// ErrTruncated but still returns the ticks it checked.
package replay
