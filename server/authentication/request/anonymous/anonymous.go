package anonymous

import (
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// NewAuthenticator returns an authenticator that accepts every request as
// user system:anonymous in group system:unauthenticated. It never fails.
func NewAuthenticator() authenticator.Request {
	return authenticator.RequestFunc(func(*http.Request) (user.Info, bool, error) {
		return &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}, true, nil
	})
}
