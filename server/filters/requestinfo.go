package filters

import (
	"fmt"
	"net/http"

	"github.com/kubewalk/kubewalk/server/request"
)

// WithRequestInfo parses each request's URL with resolver and passes the
// request on carrying the result (request.RequestInfoFrom reads it). The
// filters inside it depend on it. A URL resolver cannot parse gets a 500.
func WithRequestInfo(handler http.Handler, resolver request.RequestInfoResolver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, err := resolver.NewRequestInfo(req)
		if err != nil {
			internalError(w, req, fmt.Errorf("failed to create RequestInfo: %v", err))
			return
		}
		handler.ServeHTTP(w, req.WithContext(request.WithRequestInfo(req.Context(), info)))
	})
}
