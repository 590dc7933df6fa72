package union

import (
	"errors"
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// New returns an authenticator that asks each of handlers in order and
// returns the first user one of them accepts. An authenticator's error
// does not stop the search; if none accepts, New's authenticator returns
// false and the errors joined (nil when there were none). With a single
// handler New returns it unchanged.
func New(handlers ...authenticator.Request) authenticator.Request {
	if len(handlers) == 1 {
		return handlers[0]
	}
	return &unionAuthRequestHandler{Handlers: handlers}
}

// NewFailOnError is New, except that the first error ends the search and
// is returned.
func NewFailOnError(handlers ...authenticator.Request) authenticator.Request {
	if len(handlers) == 1 {
		return handlers[0]
	}
	return &unionAuthRequestHandler{Handlers: handlers, FailOnError: true}
}

type unionAuthRequestHandler struct {
	Handlers    []authenticator.Request
	FailOnError bool
}

func (u *unionAuthRequestHandler) AuthenticateRequest(req *http.Request) (user.Info, bool, error) {
	var errs []error
	for _, h := range u.Handlers {
		info, ok, err := h.AuthenticateRequest(req)
		if err != nil {
			if u.FailOnError {
				return info, ok, err
			}
			errs = append(errs, err)
			continue
		}
		if ok {
			return info, true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}
