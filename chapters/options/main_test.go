// Go servers refuse TLS below 1.2 by default since Go 1.22; this test
// binary's servers accept TLS 1.0 and 1.1 again, so that only the
// secure port's own floor can refuse them (TestSecurePortTLS).
//
//go:debug tls10server=1
package options_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The secure port tests run servers; none may leave a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
