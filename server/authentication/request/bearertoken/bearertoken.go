package bearertoken

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// ErrInvalidToken is the error for a bearer token the token
// authenticator did not accept and had no error of its own for.
var ErrInvalidToken = errors.New("invalid bearer token")

// Authenticator is a request authenticator for bearer tokens. It is safe
// for concurrent use if its token authenticator is.
type Authenticator struct {
	auth authenticator.Token
}

// New returns an authenticator that passes each request's bearer token to
// auth.
func New(auth authenticator.Token) *Authenticator {
	return &Authenticator{auth: auth}
}

// AuthenticateRequest returns false and no error when req has no
// Authorization header, or one that is not "Bearer <token>" with a
// non-empty token (the scheme's case does not matter). Otherwise it
// returns what the token authenticator says, with [ErrInvalidToken] in
// place of a plain false. When the token is accepted, the Authorization
// header is removed from req, so no handler behind can reuse it.
func (a *Authenticator) AuthenticateRequest(req *http.Request) (user.Info, bool, error) {
	header := strings.TrimSpace(req.Header.Get("Authorization"))
	// As upstream, split on single spaces: "Bearer  t" has an empty token.
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "bearer") {
		return nil, false, nil
	}
	token, _, _ = strings.Cut(token, " ")
	if token == "" {
		return nil, false, nil
	}

	info, ok, err := a.auth.AuthenticateToken(token)
	if ok {
		req.Header.Del("Authorization")
	}
	if !ok && err == nil {
		err = ErrInvalidToken
	}
	return info, ok, err
}
