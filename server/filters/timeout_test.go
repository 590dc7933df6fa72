package filters_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace/kittest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

// stuck is a handler that may write first, then blocks until release is
// closed, then tries to write again and sends the error on wrote.
type stuck struct {
	first   string        // written before blocking, if not empty
	blocked chan struct{} // closed once it blocks
	release chan struct{}
	wrote   chan error // the error of the write after release
}

func newStuck(first string) *stuck {
	return &stuck{first: first, blocked: make(chan struct{}), release: make(chan struct{}), wrote: make(chan error, 1)}
}

func (s *stuck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.first != "" {
		w.Write([]byte(s.first))
	}
	close(s.blocked)
	<-s.release
	w.Header().Set("X-Late", "yes")
	_, err := w.Write([]byte("late"))
	s.wrote <- err
}

// finish lets the handler go on, waits until the goroutines WithTimeout
// started under rec's kit have ended, and returns the error of the
// handler's late write.
func (s *stuck) finish(t *testing.T, rec *kittest.Recorder) error {
	t.Helper()
	close(s.release)
	err := kittest.Await(t, s.wrote, "the handler's late write")
	rec.Wait(t)
	return err
}

// serveTraced is serve with a request whose context carries rec's kit.
func serveTraced(h http.Handler, rec *kittest.Recorder, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequestWithContext(rec.Kit.Context(context.Background()), method, target, nil))
	return w
}

// fired returns a timeout that has already expired.
func fired() <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

func timeoutAfter(c <-chan time.Time) func(*http.Request) (<-chan time.Time, *apierrors.StatusError) {
	return func(*http.Request) (<-chan time.Time, *apierrors.StatusError) {
		return c, apierrors.NewServerTimeout(schema.GroupResource{Resource: "namespaces"}, "get", 0)
	}
}

func TestWithTimeoutInTime(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		code    int
		body    string
	}{
		{"writes", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Handler", "yes")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("made"))
		}, 201, "made"},
		{"returns without writing", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Handler", "yes")
		}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			never := make(chan time.Time)
			w := serve(filters.WithTimeout(tc.handler, timeoutAfter(never)), "GET", "/api/v1/namespaces/x")
			if w.Code != tc.code || w.Body.String() != tc.body || w.Header().Get("X-Handler") != "yes" {
				t.Errorf("GET = %d %q, X-Handler %q; want %d %q, yes", w.Code, w.Body, w.Header().Get("X-Handler"),
					tc.code, tc.body)
			}
		})
	}
}

// TestWithTimeoutTimesOut lets the timeout expire while the handler has
// written nothing: the client gets the 504, and the handler's later
// writes fail.
func TestWithTimeoutTimesOut(t *testing.T) {
	_, rec := kittest.New(t)
	h := newStuck("")
	w := serveTraced(filters.WithTimeout(h, timeoutAfter(fired())), rec, "GET", "/api/v1/namespaces/x")
	if err := h.finish(t, rec); err != http.ErrHandlerTimeout {
		t.Errorf("the handler's write after the timeout = %v; want http.ErrHandlerTimeout", err)
	}

	if w.Code != http.StatusGatewayTimeout || w.Header().Get("X-Late") != "" {
		t.Errorf("GET = %d, X-Late %q; want 504 and no header of the handler", w.Code, w.Header().Get("X-Late"))
	}
	status := readStatus(t, w)
	want := "The get operation against namespaces could not be completed at this time, please try again."
	if status.Reason != metav1.StatusReasonServerTimeout || status.Message != want {
		t.Errorf("Status reason, message = %s, %q; want ServerTimeout, %q", status.Reason, status.Message, want)
	}
	// The handler ran in a goroutine of the trace kit.
	rec.Span(t, "WithTimeout: serve GET /api/v1/namespaces/x")
}

// TestWithTimeoutAfterWriting lets the timeout expire after the handler
// began its response: it cannot be replaced, so WithTimeout aborts it.
func TestWithTimeoutAfterWriting(t *testing.T) {
	_, rec := kittest.New(t)
	h := newStuck("partial")
	timeout := make(chan time.Time)
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		serveTraced(filters.WithTimeout(h, timeoutAfter(timeout)), rec, "GET", "/api/v1/namespaces/x")
	}()
	kittest.Await(t, h.blocked, "the handler to block")
	timeout <- time.Time{}
	if p := kittest.Await(t, panicked, "WithTimeout to abort"); p != http.ErrAbortHandler {
		t.Errorf("WithTimeout panicked with %v; want http.ErrAbortHandler", p)
	}
	if err := h.finish(t, rec); err != http.ErrHandlerTimeout {
		t.Errorf("the handler's write after the timeout = %v; want http.ErrHandlerTimeout", err)
	}
}

// TestWithTimeoutNone: a nil timeout runs the handler on the request's
// own goroutine, with the server's ResponseWriter.
func TestWithTimeoutNone(t *testing.T) {
	var direct bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, direct = w.(*httptest.ResponseRecorder)
	})
	serve(filters.WithTimeout(h, timeoutAfter(nil)), "GET", "/")
	if !direct {
		t.Error("with no timeout the handler got a wrapped ResponseWriter; want the server's own")
	}
}

func TestWithTimeoutForNonLongRunningRequests(t *testing.T) {
	longRunning := filters.BasicLongRunningRequestCheck(sets.New("watch"), sets.New[string]())
	tests := []struct {
		target string
		reason metav1.StatusReason
		msg    string
	}{
		{"/api/v1/namespaces", metav1.StatusReasonServerTimeout,
			"The list operation against namespaces could not be completed at this time, please try again."},
		{"/apis/apps/v1/namespaces/default/deployments/web", metav1.StatusReasonServerTimeout,
			"The get operation against deployments.apps could not be completed at this time, please try again."},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			// A timeout of 0 has expired before the handler could answer.
			_, rec := kittest.New(t)
			h := newStuck("")
			w := serveTraced(withRequestInfo(filters.WithTimeoutForNonLongRunningRequests(h, longRunning, 0)),
				rec, "GET", tc.target)
			if err := h.finish(t, rec); err != http.ErrHandlerTimeout {
				t.Errorf("late write = %v; want http.ErrHandlerTimeout", err)
			}
			if w.Code != http.StatusGatewayTimeout {
				t.Fatalf("GET = %d; want 504", w.Code)
			}
			status := readStatus(t, w)
			if status.Reason != tc.reason || status.Message != tc.msg || status.Code != 500 {
				t.Errorf("Status reason, message, code = %s, %q, %d; want %s, %q, 500 (upstream's, not the 504)",
					status.Reason, status.Message, status.Code, tc.reason, tc.msg)
			}
		})
	}
}

// TestWithTimeoutLongRunning: a watch is long-running, so even a timeout
// of 0 does not cut it.
func TestWithTimeoutLongRunning(t *testing.T) {
	longRunning := filters.BasicLongRunningRequestCheck(sets.New("watch"), sets.New[string]())
	h := withRequestInfo(filters.WithTimeoutForNonLongRunningRequests(ok, longRunning, 0))
	if w := serve(h, "GET", "/api/v1/namespaces?watch=true"); w.Code != http.StatusOK || w.Body.String() != "ok" {
		t.Errorf("watch = %d %q; want 200 ok", w.Code, w.Body)
	}
}

// TestWithTimeoutWithoutRequestInfo: a chain built wrong still times out,
// with an InternalError Status that says why.
func TestWithTimeoutWithoutRequestInfo(t *testing.T) {
	_, rec := kittest.New(t)
	h := newStuck("")
	never := func(*http.Request, *request.RequestInfo) bool { return false }
	w := serveTraced(filters.WithTimeoutForNonLongRunningRequests(h, never, 0), rec, "GET", "/healthz")
	if err := h.finish(t, rec); err != http.ErrHandlerTimeout {
		t.Errorf("late write = %v; want http.ErrHandlerTimeout", err)
	}
	status := readStatus(t, w)
	want := "Internal error occurred: no request info found for request during timeout"
	if w.Code != http.StatusGatewayTimeout || status.Reason != metav1.StatusReasonInternalError || status.Message != want {
		t.Errorf("GET = %d, %s %q; want 504, InternalError %q", w.Code, status.Reason, status.Message, want)
	}
}

func TestWithTimeoutOff(t *testing.T) {
	p := &pointerHandler{}
	if got := filters.WithTimeoutForNonLongRunningRequests(p, nil, time.Minute); got != p {
		t.Errorf("WithTimeoutForNonLongRunningRequests(h, nil, …) = %v; want h itself", got)
	}
}
