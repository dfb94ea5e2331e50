package agones_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The SDK owns one goroutine and HTTP connections: no test may leave any
// of them behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
