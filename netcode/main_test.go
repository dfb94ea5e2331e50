package netcode_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// Conn must end its reader when it closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
