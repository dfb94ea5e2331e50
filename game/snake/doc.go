// Package snake is the reference game of tickroom: the Snake rules (v1) of
// SNAKE_RULES.md as a game.Game, with the snapshot types and wire format
// that the server, the Go client and bots share.
//
// # Rules
//
// The board is Config.Width x Config.Height cells, (0,0) top-left; a cell is
// numbered y*Width+x. One Step is one tick, in this order:
//
//  1. Every living snake, in ascending player id, takes at most one turn from
//     its queue and computes its next head cell. A queued turn onto the
//     current direction or its reverse is discarded and the next one tried.
//  2. A snake that ate on the previous tick keeps its tail (it grows by one);
//     every other snake vacates its tail cell.
//  3. Deaths are decided at once on the board left by step 2, checking in
//     this order: "wall" (next head off the board), "self" (on its own body),
//     "body" (on another snake, whose player is the killer), "head-on" (two or
//     more next heads on one cell; all die, no killer). A vacated tail is
//     free; a tail that stays is not. Two heads that swap cells each enter
//     the other's body: both die of "body", each the other's killer.
//  4. Survivors move; a head that lands on food eats it: score+1, and the
//     tail stays on the next tick.
//  5. Food is topped up to Config.Food items at random free cells, as long as
//     free cells remain (a free cell holds neither snake nor food).
//  6. Dead snakes leave the board. Their players get a new length-3 snake
//     RespawnTicks ticks later (dying on tick t, respawning at the end of
//     tick t+RespawnTicks), score reset to 0; the best score since joining
//     is kept.
//
// At the end of each Step, players who are Waiting, having just joined or
// finished their countdown, get a snake: a random free straight run of 3
// cells whose head faces away from the body with 3 more free cells ahead.
// When no such spot exists the player stays Waiting and is retried at the
// end of every later tick, so a crowded board delays a spawn instead of
// refusing a join. A new snake first moves on the next tick.
//
// All randomness comes from the game's own SplitMix64 generator seeded with
// game.Setup.Seed, players are kept in ascending id, and Step never ranges
// over a map, so the same seed and calls give the same StateHash at every
// tick on any machine.
//
// Step returns "died" (Died), "spawned" (Spawned, a player's first snake)
// and "respawned" (Respawned) events. Their data are msgpack arrays:
// [victim, killer (0 = none), cause] and [player].
//
// # Input payload
//
// An input is one msgpack non-negative integer, the direction to turn to:
// 0 up, 1 right, 2 down, 3 left (EncodeTurn writes it as one fixint byte;
// any msgpack integer encoding is accepted). Anything else is rejected with
// an error wrapping game.ErrBadInput. Each player has a queue of 4 pending
// turns; a fifth is dropped and counted (Game.DroppedTurns). Turns sent
// while the player has no living snake are ignored.
//
// # Snapshot wire format
//
// Game.AppendSnapshot writes one msgpack array; integers use their smallest
// msgpack encoding, and a decoder must accept any integer encoding:
//
//	snapshot = [tick, width, height, [snake...], food]
//	snake    = [player, status, score, best, respawn_in, head, dir, len, body]
//
// where:
//
//   - tick: the tick of the last Step (0 before the first).
//   - snakes: one per player, ascending player id, including players
//     without a snake.
//   - status: 0 waiting for a spawn spot, 1 alive, 2 dead.
//   - respawn_in: for a dead player, ticks until the new snake is due.
//   - head: the head cell y*width+x; dir: the direction it last moved
//     (0 up, 1 right, 2 down, 3 left); len: number of cells. All three are
//     0 unless alive.
//   - body: a msgpack bin of ceil((len-1)/4) bytes (empty unless alive)
//     holding the len-1 moves from the head towards the tail. Move k
//     (0-based) is the direction from cell k to cell k+1, stored in byte k/4
//     at bits 2*(k%4) and 2*(k%4)+1, low bits first:
//     move(k) = (body[k>>2] >> ((k&3)*2)) & 3. Unused high bits are 0.
//   - food: a msgpack bin of 2 bytes per food item, each the cell
//     y*width+x as a big-endian uint16.
//
// The arena scenario (8 snakes on 64x64, 16 food) encodes in about 250
// bytes. DecodeSnapshot (or Snapshot.Decode, which reuses memory) reads it,
// Snapshot.AppendCells unpacks a body, and Board grids it for bots.
package snake
