// Package snake is the reference game of tickroom: the Snake rules (v1) of
// docs/snake.md as a game.Game, with the snapshot types and wire format
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
// # Results
//
// Game implements game.Reporter: AppendResults gives one game.Result per
// life that ended, with its score, kills (the snakes that died of "body"
// entering it), cause (the death's, or "left" when its player left) and
// length in ticks. They are kept outside the state: StateHash, snapshots,
// events and replays are the same whether anyone takes them or not.
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
//
// # View snapshots (area of interest)
//
// With Config.View set, Game.View gives each player a rect around its head
// (snapped to chunks of Config.ViewGrid cells so that neighbours share it),
// and Game.AppendView writes the view snapshot of a rect:
//
//	view snapshot = [tick, width, height, [snake...], food, [x, y, w, h]]
//
// It is a snapshot (same elements, same encoding) with a sixth element, the
// rect, clipped to the board, that it covers: x, y its top-left cell, w, h
// its size in cells; [0, 0, 0, 0] for a rect that missed the board. The
// snakes are those with at least one cell in the rect, each whole (cells
// outside the rect included), in ascending player id; players without a
// snake on the board (waiting or dead) are not in any view, so a view
// shows no scoreboard and no respawn countdown (the died event and
// Config.RespawnTicks give the latter). The food is the items in the rect,
// in the full snapshot's order. A full snapshot has 5 elements and covers
// the whole board; Snapshot.View tells them apart.
//
// # Delta wire format
//
// Delta(base, cur) encodes the change from one snapshot to another (full or
// view, any two of the same board) and Patch(base, delta) applies it,
// giving cur byte for byte. A delta is one msgpack array, integers in their
// smallest encoding (a decoder should accept any):
//
//	delta   = [base_tick, base_crc, tick, view, gone, added, changed, steps, moves, food]
//	change  = [player, mask, value...]
//
// where:
//
//   - base_tick, base_crc: the tick of the base and the CRC-32 (IEEE, as
//     zlib and hash/crc32 compute it) of the base's bytes. A patcher must
//     reject a delta whose base_tick or base_crc is not its base's.
//   - tick: the new snapshot's tick.
//   - view: nil if the new snapshot covers what the base covers (both full,
//     or both views of the same rect); [] if it is a full snapshot; else
//     its rect [x, y, w, h] (it is a view snapshot).
//   - gone: the ids of the base's players that the new snapshot lacks
//     (left the game, or left the view), ascending.
//   - added: the new snapshot's snakes whose players the base lacks
//     (joined, or entered the view), each a whole snake exactly as in a
//     snapshot, ascending.
//   - changed: for players in both, an entry for each whose snake
//     differs other than by the moves below, ascending by player. mask
//     says which fields the entry sets: 1 status, 2 score, 4 best,
//     8 respawn_in, 16 head, 32 len, 64 body, 128 dir (dir last, as it
//     rarely needs sending and a mask under 128 is one byte). The entry
//     holds the new values of the set fields in that bit order (body a
//     bin, as in a snapshot), so it has 2 + popcount(mask) elements.
//     Fields not set keep the base's values, except as below.
//   - steps, moves: the snakes that lived through, one after the other in
//     ascending player order. A snake lived through when it is Alive in
//     the base, not gone, and its entry (if any) sets neither status nor
//     body; its entry must not set head. Each such snake takes the next
//     steps moves of the moves bin, which packs them like a body (move k
//     at bits 2*(k%4) of byte k/4, low bits first; unused high bits of the
//     last byte 0; the bin exactly as long as all the moves need). They
//     are the moves from the snake's new head to its base head, newest
//     first, and give its head, body and dir as described below.
//   - food: nil if the food list is the base's; a bin if the new list is
//     given whole (as in a snapshot); else [gone, at, cells]: remove from
//     the base list the items at the indexes in gone (ascending), then
//     insert cells (a bin of big-endian uint16 cells, as food) one by one
//     at the indexes in at (ascending, indexes into the new list), so that
//     the remaining base items keep their order and fill the other places.
//
// A snake that lived through gets, besides the fields its entry sets:
//
//   - head: start at the base head and walk the moves from the last to
//     the first, each time stepping against the move (for up, one cell
//     down); where the walk ends is the new head. A cell off the board is
//     an error.
//   - body: the first len-1 of the moves followed by the base body's
//     moves, len being the entry's if set, else the base's (more than the
//     two hold is an error). A snake shorter than steps uses only the
//     first len-1 moves; the others only lead back to the base head.
//   - dir: the entry's if set, else the reverse of the first move (for up,
//     down), or the base's when steps is 0.
//
// The new snapshot's snakes are the base's, less the gone, changed as
// above, and the added ones, all in ascending player order; its width and
// height are the base's; it has 6 elements when it has a rect (view
// above), 5 otherwise. Patch writes it in the
// snapshot encoding, smallest integers, which is how the server encoded
// cur, and that is why the result is the same bytes.
//
// Delta sets steps to the tick difference and sends a snake that lived
// through that many moves as moves: 2 bits a tick, so a snake that only
// moved costs 2 bits in the usual delta from the previous tick. One that
// ate adds a short entry for score (and best), one that grew an entry for
// len, a death, a respawn or a snake whose moves would cost more than the
// snake itself an entry with the whole snake, and a food item eaten a few
// bytes. A delta is not always smaller than the snapshot (a view that
// jumped, a base long ago): the server compares and sends the smaller.
package snake
