package lobby_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test in the package must leave no goroutine behind: rooms and
// connections churn all day in production.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
