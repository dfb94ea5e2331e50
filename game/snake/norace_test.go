//go:build !race

package snake_test

const raceEnabled = false
