package union

import (
	"errors"
	"strings"

	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
)

// New returns an authorizer that asks each of authorizers in order and
// allows the request as soon as one allows it, with that one's reason.
// If none does, it returns false, every non-empty reason joined by
// newlines, and every error joined (nil when there were none).
func New(authorizers ...authorizer.Authorizer) authorizer.Authorizer {
	return unionAuthzHandler(authorizers)
}

type unionAuthzHandler []authorizer.Authorizer

func (u unionAuthzHandler) Authorize(a authorizer.Attributes) (bool, string, error) {
	var errs []error
	var reasons []string
	for _, authz := range u {
		authorized, reason, err := authz.Authorize(a)
		if err != nil {
			errs = append(errs, err)
		}
		if reason != "" {
			reasons = append(reasons, reason)
		}
		if authorized {
			return true, reason, nil
		}
	}
	return false, strings.Join(reasons, "\n"), errors.Join(errs...)
}
