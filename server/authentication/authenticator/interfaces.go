package authenticator

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// Request authenticates a request. It returns the user and true when it
// recognised the request's credentials, false when the request carries
// none it understands, and an error when it could not decide (a
// malformed or unverifiable credential).
type Request interface {
	AuthenticateRequest(req *http.Request) (user.Info, bool, error)
}

// RequestFunc is a function that is a Request.
type RequestFunc func(req *http.Request) (user.Info, bool, error)

// AuthenticateRequest calls f(req).
func (f RequestFunc) AuthenticateRequest(req *http.Request) (user.Info, bool, error) {
	return f(req)
}

// Token authenticates a bearer token, with the same results as Request.
type Token interface {
	AuthenticateToken(token string) (user.Info, bool, error)
}

// TokenFunc is a function that is a Token.
type TokenFunc func(token string) (user.Info, bool, error)

// AuthenticateToken calls f(token).
func (f TokenFunc) AuthenticateToken(token string) (user.Info, bool, error) {
	return f(token)
}
