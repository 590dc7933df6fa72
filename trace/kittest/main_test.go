package kittest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No test here may leave a goroutine behind: what the tests run must end
// everything it starts.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
