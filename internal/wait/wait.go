// Package wait is the tests' way to wait for something that happens on
// another goroutine: poll a condition until it holds, or fail the test
// when the time runs out. It is for tests only.
package wait

import (
	"testing"
	"time"
)

// Poll is how often For looks again.
const Poll = 5 * time.Millisecond

// For polls cond until it holds, and fails t if it still does not after
// d; what names the condition in the failure.
func For(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(Poll)
	}
}
