package endpoints_test

import (
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestBodyLimit sends a create whose body is one byte over 3 MiB: it is
// refused with 413 before it is decoded. v1.7 had no limit; upstream's
// came in v1.14.
func TestBodyLimit(t *testing.T) {
	s := newServer(t)
	const limit = 3 * 1024 * 1024
	over := `{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"big"},"x":"` + strings.Repeat("a", limit) + `"}`
	resp, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: over, contentType: jsonType})
	wantStatus(t, "POST of a body over 3 MiB", resp, body, http.StatusRequestEntityTooLarge,
		metav1.StatusReasonRequestEntityTooLarge, "limit is 3145728 bytes")
}
