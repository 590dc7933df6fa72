package filters_test

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
)

func TestWithCORS(t *testing.T) {
	defaults := map[string]string{
		"Access-Control-Allow-Origin":  "https://ui.example.com",
		"Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE, PATCH",
		"Access-Control-Allow-Headers": "Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, " +
			"Authorization, X-Requested-With, If-Modified-Since",
		"Access-Control-Expose-Headers":    "Date",
		"Access-Control-Allow-Credentials": "true",
	}
	tests := []struct {
		name, method, origin string
		code                 int
		body                 string            // "ok" when the request reached the handler
		headers              map[string]string // nil: no CORS headers at all
	}{
		{"allowed origin", "GET", "https://ui.example.com", 200, "ok", defaults},
		{"preflight", "OPTIONS", "https://ui.example.com", 204, "", defaults},
		{"other origin", "GET", "https://evil.example.org", 200, "ok", nil},
		{"preflight of another origin", "OPTIONS", "https://evil.example.org", 200, "ok", nil},
		{"no origin", "GET", "", 200, "ok", nil},
	}
	h := filters.WithCORS(ok, []string{`//ui\.example\.com$`, `//localhost(:|$)`}, nil, nil, nil, "true")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/api", nil)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.code || w.Body.String() != tc.body {
				t.Errorf("%s from %q = %d %q; want %d %q", tc.method, tc.origin, w.Code, w.Body, tc.code, tc.body)
			}
			// Allowed or not, the answer depends on Origin: caches must know.
			if got := w.Header().Values("Vary"); !slices.Equal(got, []string{"Origin"}) {
				t.Errorf("Vary = %q; want [Origin]", got)
			}
			for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
				"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Allow-Credentials"} {
				if got, want := w.Header().Get(name), tc.headers[name]; got != want {
					t.Errorf("%s = %q; want %q", name, got, want)
				}
			}
		})
	}
}

func TestWithCORSOwnLists(t *testing.T) {
	h := filters.WithCORS(ok, []string{"."}, []string{"GET"}, []string{"Accept"}, []string{"Warning"}, "false")
	req := httptest.NewRequest("GET", "/api", nil)
	req.Header.Set("Origin", "http://localhost:8001")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	got := []string{w.Header().Get("Access-Control-Allow-Methods"), w.Header().Get("Access-Control-Allow-Headers"),
		w.Header().Get("Access-Control-Expose-Headers"), w.Header().Get("Access-Control-Allow-Credentials")}
	if want := []string{"GET", "Accept", "Warning", "false"}; !slices.Equal(got, want) {
		t.Errorf("methods, headers, exposed headers, credentials = %q; want %q", got, want)
	}
}

func TestWithCORSOff(t *testing.T) {
	h := &pointerHandler{}
	if got := filters.WithCORS(h, nil, nil, nil, nil, "true"); got != h {
		t.Errorf("WithCORS(h, no patterns, …) = %v; want h itself", got)
	}
}

func TestCORSBadPattern(t *testing.T) {
	want := "invalid CORS allowed origin \"(\": error parsing regexp: missing closing ): `(`"
	if _, err := filters.CompileOrigins([]string{"a", "("}); err == nil || err.Error() != want {
		t.Errorf("CompileOrigins(a, () = %v; want %q", err, want)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("WithCORS with a bad pattern did not panic")
		}
	}()
	filters.WithCORS(ok, []string{"("}, nil, nil, nil, "true")
}
