// Package game is the contract between a lobby room and a simulation.
//
// A room owns exactly one Game and calls it from a single goroutine: first
// the joins, leaves and inputs that arrived since the previous tick, then
// Step, then Snapshot. A Game is therefore free of locks, and because it must
// be deterministic it does no I/O, reads no wall clock, uses no global random
// source and never ranges over a map while stepping. Given the same Setup and
// the same calls in the same order, a Game produces the same snapshots and
// events on every machine.
//
// A Type names a game and builds rooms of it; a program registers its Types
// with a lobby server, the way the reference Snake rules in game/snake do.
package game
