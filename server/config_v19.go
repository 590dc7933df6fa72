package server

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/filters"
)

// buildHandlerChainV19 is DefaultBuildHandlerChain as v1.9 has it
// (config.go at v1.9.0): v1.8 put panic recovery outermost and the
// in-flight limit inside authentication, and v1.9 added WithWaitGroup, so
// that Run can wait for the requests in flight. A request meets them
// outermost first:
//
//	WithTracing (ours) → WithPanicRecovery → WithRequestInfo → WithWaitGroup →
//	WithTimeoutForNonLongRunningRequests → WithCORS → WithAuthentication →
//	WithMaxInFlightLimit → WithAuthorization → apiHandler
//
// Upstream also has WithRequestContext, audit and impersonation, which
// the walkthrough has not.
func buildHandlerChainV19(apiHandler http.Handler, c *Config) http.Handler {
	// --8<-- [start:chain]
	handler := filters.WithAuthorization(apiHandler, c.Authorizer)
	handler = filters.WithMaxInFlightLimit(handler, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	handler = filters.WithAuthentication(handler, c.Authenticator, filters.Unauthorized())
	handler = filters.WithCORS(handler, c.CorsAllowedOriginList, nil, nil, nil, "true")
	handler = filters.WithTimeoutForNonLongRunningRequests(handler, c.LongRunningFunc, c.RequestTimeout)
	handler = filters.WithWaitGroupV19(handler, c.LongRunningFunc, c.HandlerChainWaitGroup)
	handler = filters.WithRequestInfo(handler, c.RequestInfoResolver)
	handler = filters.WithPanicRecovery(handler)
	handler = filters.WithTracing(handler)
	// --8<-- [end:chain]
	return handler
}
