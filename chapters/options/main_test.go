package options_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The secure port tests run servers; none may leave a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
