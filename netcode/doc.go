// Package netcode is tickroom's wire protocol and the per-connection
// machinery that carries it: message types and their msgpack framing, close
// codes, the HTTP API's JSON bodies, and a Conn: one reader goroutine per
// WebSocket, written by a fixed set of writer shards.
//
// Every protocol message is one binary WebSocket message holding a msgpack
// array whose first element is the message type. The WebSocket subprotocol
// names the protocol version (Subprotocol).
//
// A Conn has two outgoing lanes. The reliable lane is a bounded FIFO for
// the welcome, events, errors and replies: nothing in it is ever dropped,
// and a connection whose FIFO overflows is closed with CloseTooSlow. The
// volatile lane is a single latest-wins slot for snapshots: publishing
// overwrites the slot and never blocks. A flush writes the pending
// reliable messages, then the newest snapshot, then a ping when one is
// due, in one write.
//
// netcode knows frames and lanes, not games: event, input and request data
// are msgpack values that the game encoded once, spliced into the frames
// as they are; a snapshot's payload is the game's bytes inside a msgpack
// bin, so that a client can patch them before it decodes them.
package netcode
