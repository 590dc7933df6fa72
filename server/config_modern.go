package server

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/filters"
)

// buildHandlerChainModern is DefaultBuildHandlerChain as modern has it
// (config.go at v1.36.0), with the filters the walkthrough has. A request
// meets them outermost first:
//
//	WithTracing (ours) → WithPanicRecovery → WithRequestInfo →
//	[WithRetryAfter, with ShutdownSendRetryAfter] →
//	[WithWatchTerminationDuringShutdown, with a grace period > 0] →
//	WithWaitGroup → WithTimeoutForNonLongRunningRequests → WithCORS →
//	WithAuthentication → WithMaxInFlightLimit → WithAuthorization → apiHandler
//
// Left out: the audit filters, impersonation, the warning recorder, the
// request deadline (our WithTimeout keeps the timeout itself), cache
// control, HSTS, the HTTP log, the latency trackers, the received
// timestamp, MuxAndDiscoveryComplete's 404 marking, and API priority and
// fairness, which is modern's default in place of WithMaxInFlightLimit.
// Upstream's tracing filter (from v1.22) sits inside authentication since
// v1.33; ours stays outermost, to record every request.
func buildHandlerChainModern(apiHandler http.Handler, c *Config) http.Handler {
	// --8<-- [start:chain]
	handler := filters.WithAuthorization(apiHandler, c.Authorizer)
	handler = filters.WithMaxInFlightLimit(handler, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	handler = filters.WithAuthentication(handler, c.Authenticator, filters.Unauthorized())
	handler = filters.WithCORS(handler, c.CorsAllowedOriginList, nil, nil, nil, "true")
	handler = filters.WithTimeoutForNonLongRunningRequests(handler, c.LongRunningFunc, c.RequestTimeout)
	handler = filters.WithWaitGroup(handler, c.LongRunningFunc, c.NonLongRunningRequestWaitGroup)
	if c.ShutdownWatchTerminationGracePeriod > 0 {
		handler = filters.WithWatchTerminationDuringShutdown(handler, c.lifecycleSignals.ShuttingDown(), c.WatchRequestWaitGroup)
	}
	if c.ShutdownSendRetryAfter {
		handler = filters.WithRetryAfter(handler, c.lifecycleSignals.NotAcceptingNewRequest.Signaled())
	}
	handler = filters.WithRequestInfo(handler, c.RequestInfoResolver)
	handler = filters.WithPanicRecovery(handler)
	handler = filters.WithTracing(handler)
	// --8<-- [end:chain]
	return handler
}
