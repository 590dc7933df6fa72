package filters_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

func TestWithPanicRecovery(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		code    int
		body    string
		logged  bool
	}{
		{"no panic", ok, 200, "ok", false},
		{"panic before writing", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			panic("boom")
		}, 500, "This request caused apisever to panic. Look in log for details.\n", true},
		// The status line is out: the 500 cannot replace it, and its text
		// must not be appended to the handler's body.
		{"panic after writing", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("partial"))
			panic("boom")
		}, 200, "partial", true},
		{"panic after the status line", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			panic("boom")
		}, 201, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := kittest.New(t)
			w := httptest.NewRecorder()
			filters.WithPanicRecovery(tc.handler).
				ServeHTTP(w, httptest.NewRequestWithContext(ctx, "GET", "/api/v1/namespaces", nil))
			if w.Code != tc.code || w.Body.String() != tc.body {
				t.Errorf("GET = %d %q; want %d %q", w.Code, w.Body, tc.code, tc.body)
			}
			want := "APIServer panic'd on GET /api/v1/namespaces: boom"
			if logged := strings.Contains(rec.Logs(), want); logged != tc.logged {
				t.Errorf("log %q contains %q: %v; want %v", rec.Logs(), want, logged, tc.logged)
			}
		})
	}
}

// TestWithPanicRecoveryFlushes: the recovery's writer still lets a
// streaming handler flush.
func TestWithPanicRecoveryFlushes(t *testing.T) {
	w := httptest.NewRecorder()
	filters.WithPanicRecovery(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !w.Flushed {
		t.Error("Flush did not reach the server's writer")
	}
}
