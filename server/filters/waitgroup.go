package filters

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/request"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
)

// WithWaitGroupV19 is v1.9's WithWaitGroup (filters/waitgroup.go at
// v1.9.0; the suffix only tells it from modern's in this package): it
// adds every request that is not long-running to wg for as long as it is
// handled, so that Run can wait for them. Once wg.Wait has been called,
// such a request is refused with 500 and upstream's text "Apisever is
// shutting down." (sic). It needs WithRequestInfo outside it, and passes
// requests on untouched without it, as upstream does.
func WithWaitGroupV19(handler http.Handler, longRunning request.LongRunningRequestCheck, wg *utilwaitgroup.SafeWaitGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := request.RequestInfoFrom(r.Context())
		if !ok {
			// if this happens, the handler chain isn't setup correctly because there is no request info
			handler.ServeHTTP(w, r)
			return
		}
		if !longRunning(r, info) {
			if err := wg.Add(1); err != nil {
				http.Error(w, "Apisever is shutting down.", http.StatusInternalServerError)
				return
			}
			defer wg.Done()
		}
		handler.ServeHTTP(w, r)
	})
}

// WithWaitGroup is modern's (filters/waitgroup.go at v1.36.0): as v1.9's,
// but a request refused once wg.Wait has been called gets 503 with
// Retry-After: 1 and the Status "apiserver is shutting down", and the
// requests exempt from Retry-After (kube-apiserver's own user agent, and
// the health and metrics paths) are served all the same, uncounted.
// Without a RequestInfo it answers 500.
func WithWaitGroup(handler http.Handler, longRunning request.LongRunningRequestCheck, wg *utilwaitgroup.SafeWaitGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := request.RequestInfoFrom(r.Context())
		if !ok {
			// if this happens, the handler chain isn't setup correctly because there is no request info
			internalError(w, r, errors.New("no RequestInfo found in the context"))
			return
		}
		if longRunning(r, info) {
			handler.ServeHTTP(w, r)
			return
		}
		if err := wg.Add(1); err != nil {
			// Shutdown has begun: WithRetryAfter's requests are exempt here too.
			if isRequestExemptFromRetryAfter(r) {
				handler.ServeHTTP(w, r)
				return
			}
			waitGroupWriteRetryAfterToResponse(w, r)
			return
		}
		defer wg.Done()
		handler.ServeHTTP(w, r)
	})
}

// waitGroupWriteRetryAfterToResponse answers 503, Retry-After: 1 and the
// Status "apiserver is shutting down": there is a good chance the client
// reaches another server when it retries.
func waitGroupWriteRetryAfterToResponse(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Retry-After", "1")
	endpoints.WriteStatus(w, r, apierrors.NewServiceUnavailable("apiserver is shutting down"))
}

// pathPrefixesExemptFromRetryAfter are the paths a shutting-down server
// still serves: probes and metrics.
var pathPrefixesExemptFromRetryAfter = []string{"/readyz", "/livez", "/healthz", "/metrics"}

// isRequestExemptFromRetryAfter reports whether r is served even while
// the server shuts down: one of its own loopback requests, or a probe.
func isRequestExemptFromRetryAfter(r *http.Request) bool {
	if strings.HasPrefix(r.UserAgent(), "kube-apiserver/") {
		return true
	}
	for _, prefix := range pathPrefixesExemptFromRetryAfter {
		if strings.HasPrefix(r.URL.Path, prefix) {
			return true
		}
	}
	return false
}

// WithRetryAfter (modern, with --shutdown-send-retry-after) answers every
// request once shuttingDown is closed (NotAcceptingNewRequest) with 429,
// Retry-After: 5, Connection: close and "The apiserver is shutting down,
// please try again later.", except the exempt ones; the listener is still
// open then, so a client is told to go, not refused.
func WithRetryAfter(handler http.Handler, shuttingDown <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A plain select: it only looks whether the shutdown has begun.
		select {
		case <-shuttingDown:
		default:
			handler.ServeHTTP(w, r)
			return
		}
		if isRequestExemptFromRetryAfter(r) {
			handler.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "5")
		http.Error(w, "The apiserver is shutting down, please try again later.", http.StatusTooManyRequests)
	})
}

// WithWatchTerminationDuringShutdown (modern, with
// --shutdown-watch-termination-grace-period > 0) adds every watch to wg
// while it runs, so that the shutdown can wait for them, and attaches
// shuttingDown to its context, so that the watch ends as soon as the
// server stops accepting requests. A watch that arrives after wg.Wait has
// been called gets 503 and Retry-After: 1.
func WithWatchTerminationDuringShutdown(handler http.Handler, shuttingDown <-chan struct{}, wg *utilwaitgroup.RateLimitedSafeWaitGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := request.RequestInfoFrom(r.Context())
		if !ok {
			// if this happens, the handler chain isn't setup correctly because there is no request info
			internalError(w, r, errors.New("no RequestInfo found in the context"))
			return
		}
		if info.Verb != "watch" {
			handler.ServeHTTP(w, r)
			return
		}
		if err := wg.Add(1); err != nil {
			waitGroupWriteRetryAfterToResponse(w, r)
			return
		}
		defer wg.Done()
		// attach the server's shutdown signal to the watch request so that
		// the watch handler loop can return as soon as the server signals
		// that it is shutting down.
		r = r.WithContext(request.WithServerShutdownSignal(r.Context(), shuttingDown))
		handler.ServeHTTP(w, r)
	})
}
