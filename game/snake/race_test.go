//go:build race

package snake_test

// raceEnabled: the race detector makes sync.Pool drop items on purpose, so
// allocation counts of pooled code mean nothing under it.
const raceEnabled = true
