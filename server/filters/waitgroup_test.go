package filters_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"k8s.io/apimachinery/pkg/util/sets"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
)

var watchIsLongRunning = filters.BasicLongRunningRequestCheck(sets.New("watch"), sets.New[string]())

// Each era's WithWaitGroup lets the waiter wait for a request in flight,
// and once the wait has begun refuses a new one in its own words; a
// watch is never counted, so it is served all the same.
func TestWithWaitGroup(t *testing.T) {
	tests := []struct {
		era    string
		filter func(http.Handler, *utilwaitgroup.SafeWaitGroup) http.Handler
		code   int
		body   string
		retry  string
	}{
		{"v1.9", func(h http.Handler, wg *utilwaitgroup.SafeWaitGroup) http.Handler {
			return filters.WithWaitGroupV19(h, watchIsLongRunning, wg)
		}, 500, "Apisever is shutting down.", ""},
		{"modern", func(h http.Handler, wg *utilwaitgroup.SafeWaitGroup) http.Handler {
			return filters.WithWaitGroup(h, watchIsLongRunning, wg)
		}, 503, `"message":"apiserver is shutting down"`, "1"},
	}
	for _, tc := range tests {
		t.Run(tc.era, func(t *testing.T) {
			g := newGate()
			wg := &utilwaitgroup.SafeWaitGroup{}
			h := withRequestInfo(tc.filter(g, wg))
			wait := hold(t, h, g, "GET", "/api/v1/namespaces?hold")
			waited := make(chan struct{})
			go func() { defer close(waited); wg.Wait() }()

			// The wait has begun once a new request is refused.
			var w = serve(h, "GET", "/api/v1/namespaces")
			for i := 0; w.Code == http.StatusOK && i < 1000; i++ {
				time.Sleep(time.Millisecond)
				w = serve(h, "GET", "/api/v1/namespaces")
			}
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.body) || w.Header().Get("Retry-After") != tc.retry {
				t.Errorf("a request while Wait waits = %d %q, Retry-After %q; want %d with %q, Retry-After %q",
					w.Code, w.Body.String(), w.Header().Get("Retry-After"), tc.code, tc.body, tc.retry)
			}
			if w := serve(h, "GET", "/api/v1/namespaces?watch=true"); w.Code != http.StatusOK {
				t.Errorf("a watch while Wait waits = %d; want 200: a watch is not counted", w.Code)
			}
			select {
			case <-waited:
				t.Fatal("Wait returned while a request was in flight")
			default:
			}
			close(g.release)
			if w := wait(); w.Code != http.StatusOK {
				t.Errorf("the request in flight = %d; want 200", w.Code)
			}
			kittest.Await(t, waited, "Wait's return")
		})
	}
}

// modern exempts the probes from the refusal, for the load balancers.
func TestWithWaitGroupServesTheProbesWhileShuttingDown(t *testing.T) {
	wg := &utilwaitgroup.SafeWaitGroup{}
	wg.Wait() // nothing in flight: returns at once, and refuses from now on
	h := withRequestInfo(filters.WithWaitGroup(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), watchIsLongRunning, wg))
	for _, path := range []string{"/readyz", "/livez", "/healthz"} {
		if w := serve(h, "GET", path); w.Code != http.StatusOK {
			t.Errorf("GET %s while shutting down = %d; want 200", path, w.Code)
		}
	}
	if w := serve(h, "GET", "/version"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /version while shutting down = %d; want 503", w.Code)
	}
}

func TestWithRetryAfter(t *testing.T) {
	shuttingDown := make(chan struct{})
	h := filters.WithRetryAfter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), shuttingDown)
	if w := serve(h, "GET", "/version"); w.Code != http.StatusOK {
		t.Errorf("before the shutdown = %d; want 200", w.Code)
	}
	close(shuttingDown)
	w := serve(h, "GET", "/version")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "5" || w.Header().Get("Connection") != "close" ||
		strings.TrimSpace(w.Body.String()) != "The apiserver is shutting down, please try again later." {
		t.Errorf("during the shutdown = %d %q %v; want 429, Retry-After 5, Connection: close, upstream's text", w.Code, w.Body.String(), w.Header())
	}
	if w := serve(h, "GET", "/readyz"); w.Code != http.StatusOK {
		t.Errorf("a probe during the shutdown = %d; want 200", w.Code)
	}
}
