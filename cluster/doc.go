// Package cluster lets several tickroom servers (nodes) share one
// directory of rooms through NATS JetStream, so that a listing on any node
// shows every node's rooms and a client can be sent to the node that
// hosts its room. A room still lives in exactly one process; the directory
// says where.
//
// The directory is two JetStream key-value buckets: rooms, keyed by room
// id, holding each room's entry (netcode.RoomInfo, with the hosting
// node's public URL), and nodes, keyed by node id, holding each node's
// public URL, load and draining flag. Both buckets expire keys after a
// TTL, and each node puts its entries again on a heartbeat well inside
// it, so that the entries of a node that died without a word (SIGKILL, a
// lost machine) leave every listing within the TTL. The buckets keep limit
// markers (LimitMarkerTTL), without which an expiry would not reach the
// watchers.
//
// Reads never go to NATS: a watch keeps a local copy of both buckets
// current, and listings are served from it. Writes never run on a room
// goroutine: Put and Delete, which a room calls when its members change,
// only record the change, and a writer goroutine of the Directory sends it.
package cluster
