package filters

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WithTimeoutForNonLongRunningRequests gives every request that is not
// long-running (longRunning) timeout to be answered; after that it gets a
// 504 whose body is a ServerTimeout Status, "The <verb> operation against
// <resource> could not be completed at this time, please try again.". A nil
// longRunning turns timeouts off. It needs WithRequestInfo outside it.
func WithTimeoutForNonLongRunningRequests(handler http.Handler, longRunning request.LongRunningRequestCheck,
	timeout time.Duration) http.Handler {
	if longRunning == nil {
		return handler
	}
	timeoutFunc := func(req *http.Request) (<-chan time.Time, *apierrors.StatusError) {
		info, ok := request.RequestInfoFrom(req.Context())
		if !ok {
			// The chain is built wrong; time out anyway, with a 500's reason.
			return time.After(timeout), apierrors.NewInternalError(errors.New("no request info found for request during timeout"))
		}
		if longRunning(req, info) {
			return nil, nil
		}
		gr := schema.GroupResource{Group: info.APIGroup, Resource: info.Resource}
		return time.After(timeout), apierrors.NewServerTimeout(gr, info.Verb, 0)
	}
	return WithTimeout(handler, timeoutFunc)
}

// WithTimeout runs h for each request in a goroutine of its own (started
// with trace.Go) and waits for whichever comes first: h returning, or the
// channel timeoutFunc returns for the request. On timeout it answers 504
// with the Status of timeoutFunc's error as JSON, and returns without
// waiting for h: h's goroutine runs on, and its writes fail with
// http.ErrHandlerTimeout. If h had already written, the response cannot
// be replaced: WithTimeout panics with http.ErrAbortHandler and net/http
// cuts the connection (HTTP/1) or resets the stream (HTTP/2). A nil
// channel means no timeout: h runs on the request's goroutine.
//
// A panic in h's goroutine crashes the process, so h must recover its
// own panics: in the default chain WithPanicRecovery sits inside WithTimeout.
func WithTimeout(h http.Handler, timeoutFunc func(*http.Request) (timeout <-chan time.Time, err *apierrors.StatusError)) http.Handler {
	return &timeoutHandler{handler: h, timeout: timeoutFunc}
}

type timeoutHandler struct {
	handler http.Handler
	timeout func(*http.Request) (<-chan time.Time, *apierrors.StatusError)
}

func (t *timeoutHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	after, err := t.timeout(r)
	if after == nil {
		t.handler.ServeHTTP(w, r)
		return
	}
	tw := &timeoutWriter{w: w, h: w.Header().Clone()}
	// --8<-- [start:race]
	done := trace.Go(r.Context(), "WithTimeout: serve "+r.Method+" "+r.URL.Path, func(ctx context.Context) {
		t.handler.ServeHTTP(tw, r.WithContext(ctx))
	})
	// A plain select, on every request's path: the goroutine's span and
	// the request's status already say which case won.
	select {
	case <-done:
		tw.finish()
	case <-after:
		tw.timeout(err)
	}
	// --8<-- [end:race]
}

// timeoutWriter is the ResponseWriter of a handler under a timeout. It
// passes writes on until the timeout, and refuses them after. Headers are
// kept in h, the handler's own map, until the first write copies them to w.
type timeoutWriter struct {
	w http.ResponseWriter

	mu          sync.Mutex
	h           http.Header
	timedOut    bool
	wroteHeader bool
}

func (tw *timeoutWriter) Header() http.Header {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.h
}

func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut {
		return 0, http.ErrHandlerTimeout
	}
	tw.writeHeaderLocked(http.StatusOK)
	return tw.w.Write(p)
}

func (tw *timeoutWriter) WriteHeader(code int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut {
		return
	}
	tw.writeHeaderLocked(code)
}

func (tw *timeoutWriter) writeHeaderLocked(code int) {
	if tw.wroteHeader {
		return
	}
	tw.wroteHeader = true
	dst := tw.w.Header()
	clear(dst)
	maps.Copy(dst, tw.h)
	tw.w.WriteHeader(code)
}

// Flush sends what was written so far, unless the request timed out.
func (tw *timeoutWriter) Flush() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.timedOut {
		return
	}
	if f, ok := tw.w.(http.Flusher); ok {
		tw.writeHeaderLocked(http.StatusOK)
		f.Flush()
	}
}

// finish sends the handler's headers with a 200 if it returned without
// writing anything: net/http would otherwise answer with w's headers,
// which lack those the handler set on its own map.
func (tw *timeoutWriter) finish() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.writeHeaderLocked(http.StatusOK)
}

// timeout answers 504 with err's Status, or, if the handler has already
// written, aborts the response.
func (tw *timeoutWriter) timeout(err *apierrors.StatusError) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	tw.timedOut = true
	if tw.wroteHeader {
		panic(http.ErrAbortHandler)
	}
	tw.w.Header().Set("Content-Type", "application/json")
	tw.w.WriteHeader(http.StatusGatewayTimeout)
	json.NewEncoder(tw.w).Encode(&err.ErrStatus) // a write error means the client is gone
}
