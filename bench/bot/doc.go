// Package bot plays the benchmark bot of docs/snake.md over a real
// connection, measures what a client sees, and drives swarms of thousands of
// bots from one process.
//
// # Policy
//
// Every received snapshot in which its snake is alive, a bot draws once from
// its own seeded generator: left with probability 0.05, right with 0.05,
// otherwise straight. Only a drawn turn looks ahead, one cell, and "prefers a
// direction whose next cell is free" reads as: the drawn turn if its next
// cell is free, else the other turn if its next cell is free, else straight
// if that cell is free, else the drawn turn (nothing is free; the draw
// stands). A bot sends an input only when the result is a turn, so going
// straight into a wall without a draw is part of the policy and snakes die
// and respawn all the time, which keeps the reliable lane busy. The next cell
// is judged on the snapshot (snake.Board.Free): a tail that will move away
// counts as taken.
//
// # Measurements
//
// A bot measures, per role (see Role), into shared Counters:
//   - input-to-acknowledgement latency: from SendInput of seq s to the first
//     snapshot whose ack is at least s;
//   - snapshots received and tick gaps between consecutive snapshots
//     (conflation as the client sees it);
//   - event seq gaps (reliable messages lost, which must never happen) and
//     duplicates;
//   - disconnects by close code, told apart from the drops the bot planned
//     itself (reconnecting and stalling roles).
//
// # Cost
//
// A swarm runs thousands of bots on one core. A bot reads with a context
// that never ends (coder/websocket arms a timer per read for a context that
// can end; closing the connection stops the read instead), decodes each
// snapshot into reused memory (snake.Snapshot.Decode), and unpacks the board
// (snake.Board.Load, which clears W*H cells) only on the one tick in ten when
// it turns. What remains per snapshot is the client's read, which allocates
// the frame.
package bot
