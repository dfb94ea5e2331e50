// Package netcode is tickroom's wire protocol and the per-connection
// machinery that carries it: message types and their msgpack framing, close
// codes, and a Conn with one reader and one writer per WebSocket.
//
// Every protocol message is one binary WebSocket message holding a msgpack
// array whose first element is the message type. The WebSocket subprotocol
// names the protocol version (Subprotocol).
//
// A Conn has two outgoing lanes. The reliable lane is a bounded FIFO for
// events, welcome, pings and errors: nothing in it is ever dropped, and a
// connection whose FIFO overflows is closed with CloseTooSlow. The volatile
// lane is a single latest-wins slot for snapshots: publishing overwrites the
// slot and never blocks, and the writer always sends the newest snapshot
// after the pending reliable messages.
//
// netcode knows frames and lanes, not games: payloads are msgpack values
// that the game encoded once, spliced into the frames as they are.
package netcode
