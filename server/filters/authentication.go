package filters

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// WithAuthentication asks auth who made each request. A request it
// accepts passes on carrying the user (request.UserFrom reads it), with
// its Authorization header removed, so no handler behind sees the
// credential. A request it rejects, or cannot decide on, goes to failed
// instead; an error is also logged. A nil auth turns authentication off:
// WithAuthentication returns handler itself (upstream also logs
// "Authentication is disabled" then).
func WithAuthentication(handler http.Handler, auth authenticator.Request, failed http.Handler) http.Handler {
	if auth == nil {
		return handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, ok, err := auth.AuthenticateRequest(req)
		if err != nil || !ok {
			if err != nil {
				trace.Log(req.Context()).Error().
					Msgf("Unable to authenticate the request due to an error: %v", err)
			}
			failed.ServeHTTP(w, req)
			return
		}
		req.Header.Del("Authorization")
		handler.ServeHTTP(w, req.WithContext(request.WithUser(req.Context(), u)))
	})
}

// Unauthorized returns the handler for requests that failed
// authentication: a 401 Unauthorized Status, message "Unauthorized".
func Unauthorized() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		endpoints.WriteStatus(w, req, apierrors.NewUnauthorized("Unauthorized"))
	})
}
