// Package filters holds the HTTP filters that DefaultBuildHandlerChain
// wraps around a server's routing: each is a func(http.Handler, …)
// http.Handler that answers some requests itself (a 401, a 403, a 429,
// a 504) and passes the rest on. It mirrors two upstream packages of
// v1.7: k8s.io/apiserver/pkg/server/filters
// (staging/src/k8s.io/apiserver/pkg/server/filters: WithPanicRecovery,
// WithTimeoutForNonLongRunningRequests, WithCORS, WithMaxInFlightLimit,
// BasicLongRunningRequestCheck) and k8s.io/apiserver/pkg/endpoints/filters
// (staging/src/k8s.io/apiserver/pkg/endpoints/filters: WithRequestInfo,
// WithAuthentication, WithAuthorization).
//
// # Differences from upstream
//
//   - The filters read and extend the request's own context
//     (r.Context()); upstream v1.7 threaded a RequestContextMapper
//     through every filter. WithRequestContext is gone.
//   - WithAuthentication's failure handler, Unauthorized, answers a 401
//     Status ("Unauthorized") and WithAuthorization a 403 Forbidden Status,
//     both through endpoints.WriteStatus: the shapes of v1.8. v1.7 answered
//     both in plain text. Basic-auth challenges (SupportsBasicAuth) are
//     left out, and so is the per-user request counter.
//   - WithPanicRecovery answers 500 and logs, then returns; upstream's
//     HandleCrash re-panics after that (ReallyCrash), and net/http then
//     drops the connection (inside WithTimeout's goroutine, the process
//     crashes). If the handler had begun its response, we add nothing to
//     it; upstream's 500 text would be appended before the drop. The
//     httplog request logger is left out.
//   - WithTimeout keeps the handler's headers to itself until it writes
//     or returns, so a handler that outlives its timeout cannot race the
//     server on them; its 504 carries Content-Type: application/json; it
//     does not offer CloseNotifier or Hijacker to the handler; and when it
//     must cut a response short it panics with http.ErrAbortHandler, which
//     net/http handles silently, rather than upstream's own error value.
//     The handler's goroutine is started with trace.Go.
//   - WithCORS adds Vary: Origin to every response it passes, so a cache
//     keeps the answers to different origins apart; upstream (v1.7 and
//     modern) sets no Vary header. It matches origins as v1.7 does:
//     unanchored regular expressions. The options refuse patterns that
//     are empty or not pinned to the host (kube-apiserver v1.27's rule).
//   - WithTracing is ours: it opens a request span when the trace kit
//     records requests.
package filters
