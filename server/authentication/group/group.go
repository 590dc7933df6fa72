package group

import (
	"net/http"
	"slices"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// AuthenticatedGroupAdder is a request authenticator that adds
// system:authenticated to the users of another.
type AuthenticatedGroupAdder struct {
	// Authenticator decides who the request is from.
	Authenticator authenticator.Request
}

// NewAuthenticatedGroupAdder returns an authenticator that asks auth and
// adds system:authenticated to the groups of the user it accepts, unless
// the user is system:anonymous or is already in system:authenticated or
// system:unauthenticated. Errors and refusals pass through unchanged.
func NewAuthenticatedGroupAdder(auth authenticator.Request) authenticator.Request {
	return &AuthenticatedGroupAdder{Authenticator: auth}
}

// AuthenticateRequest implements authenticator.Request. It returns a new
// user rather than changing the one auth returned, which may be shared
// (a token file's users are).
func (g *AuthenticatedGroupAdder) AuthenticateRequest(req *http.Request) (user.Info, bool, error) {
	u, ok, err := g.Authenticator.AuthenticateRequest(req)
	if err != nil || !ok {
		return nil, ok, err
	}
	if u.GetName() == user.Anonymous {
		return u, true, nil
	}
	groups := u.GetGroups()
	if slices.Contains(groups, user.AllAuthenticated) || slices.Contains(groups, user.AllUnauthenticated) {
		return u, true, nil
	}
	return &user.DefaultInfo{
		Name:   u.GetName(),
		UID:    u.GetUID(),
		Groups: append(slices.Clip(groups), user.AllAuthenticated),
		Extra:  u.GetExtra(),
	}, true, nil
}
