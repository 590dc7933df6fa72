package bootstrap_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No test here may leave a goroutine behind: the runner's loops, which
// upstream never stops, are stopped through the kit's test-only path.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
