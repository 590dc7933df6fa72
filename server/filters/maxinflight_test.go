package filters_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"k8s.io/apimachinery/pkg/util/sets"
)

// gate is a handler that holds the requests sent to /hold until release
// is closed, and answers every other request at once.
type gate struct {
	entered chan struct{} // receives one value per held request
	release chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("hold") {
		g.entered <- struct{}{}
		<-g.release
	}
	w.Write([]byte("ok"))
}

// hold sends method target to h in a goroutine and returns once h holds
// it; wait returns its response after release is closed. A request that
// is answered without reaching g fails the test.
func hold(t *testing.T, h http.Handler, g *gate, method, target string) (wait func() *httptest.ResponseRecorder) {
	t.Helper()
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	}()
	select {
	case <-g.entered:
	case <-done:
		t.Fatalf("%s %s = %d without reaching the handler; want it held", method, target, w.Code)
	}
	return func() *httptest.ResponseRecorder {
		kittest.Await(t, done, method+" "+target+" to be answered")
		return w
	}
}

// TestWithMaxInFlightLimit fills the one slot of reads, then the one of
// writes, and checks which requests still get through.
func TestWithMaxInFlightLimit(t *testing.T) {
	tests := []struct {
		name           string
		held           string // method and target of the request holding a slot
		method, target string
		code           int
	}{
		{"read while a read runs", "GET /api/v1/namespaces?hold", "GET", "/api/v1/namespaces/default", 429},
		{"list while a read runs", "GET /api/v1/namespaces?hold", "GET", "/api/v1/namespaces", 429},
		{"write while a read runs", "GET /api/v1/namespaces?hold", "POST", "/api/v1/namespaces", 200},
		{"watch while a read runs", "GET /api/v1/namespaces?hold", "GET", "/api/v1/namespaces?watch=true", 200},
		{"write while a write runs", "POST /api/v1/namespaces?hold", "DELETE", "/api/v1/namespaces/default", 429},
		{"non-resource write while a write runs", "POST /api/v1/namespaces?hold", "POST", "/healthz", 429},
		{"read while a write runs", "POST /api/v1/namespaces?hold", "GET", "/api/v1/namespaces", 200},
	}
	longRunning := filters.BasicLongRunningRequestCheck(sets.New("watch"), sets.New[string]())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate()
			h := withRequestInfo(filters.WithMaxInFlightLimit(g, 1, 1, longRunning))
			method, target, _ := strings.Cut(tc.held, " ")
			wait := hold(t, h, g, method, target)

			w := serve(h, tc.method, tc.target)
			if w.Code != tc.code {
				t.Errorf("%s %s while %s runs = %d; want %d", tc.method, tc.target, tc.held, w.Code, tc.code)
			}
			if tc.code == http.StatusTooManyRequests {
				want := "Too many requests, please try again later.\n"
				if w.Header().Get("Retry-After") != "1" || w.Body.String() != want {
					t.Errorf("429 has Retry-After %q and body %q; want 1 and %q",
						w.Header().Get("Retry-After"), w.Body, want)
				}
			}

			close(g.release)
			if held := wait(); held.Code != http.StatusOK {
				t.Errorf("the held %s = %d; want 200", tc.held, held.Code)
			}
			// The slot is free again.
			if w := serve(h, tc.method, tc.target); w.Code != http.StatusOK {
				t.Errorf("%s %s after the held request ended = %d; want 200", tc.method, tc.target, w.Code)
			}
		})
	}
}

// TestWithMaxInFlightLimitZero: a limit of 0 means no limit for that kind
// of request, and both 0 turns the filter off.
func TestWithMaxInFlightLimitZero(t *testing.T) {
	g := newGate()
	h := withRequestInfo(filters.WithMaxInFlightLimit(g, 0, 1, nil))
	wait := hold(t, h, g, "GET", "/api/v1/namespaces?hold")
	if w := serve(h, "GET", "/api/v1/namespaces"); w.Code != http.StatusOK {
		t.Errorf("GET with no limit on reads while one runs = %d; want 200", w.Code)
	}
	close(g.release)
	wait()

	p := &pointerHandler{}
	if got := filters.WithMaxInFlightLimit(p, 0, 0, nil); got != p {
		t.Errorf("WithMaxInFlightLimit(h, 0, 0, nil) = %v; want h itself", got)
	}
}

func TestWithMaxInFlightLimitWithoutRequestInfo(t *testing.T) {
	w := serve(filters.WithMaxInFlightLimit(ok, 1, 1, nil), "GET", "/healthz")
	want := `Internal Server Error: "/healthz": no RequestInfo found in context, handler chain must be wrong`
	if w.Code != http.StatusInternalServerError || w.Body.String() != want {
		t.Errorf("GET without WithRequestInfo = %d %q; want 500 %q", w.Code, w.Body, want)
	}
}
