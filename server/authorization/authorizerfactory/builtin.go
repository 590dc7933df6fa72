package authorizerfactory

import (
	"errors"
	"slices"

	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
)

// NewAlwaysAllowAuthorizer returns an authorizer that allows every request.
func NewAlwaysAllowAuthorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(authorizer.Attributes) (bool, string, error) {
		return true, "", nil
	})
}

// NewAlwaysDenyAuthorizer returns an authorizer that forbids every
// request, with upstream's reason "Everything is forbidden.".
func NewAlwaysDenyAuthorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(authorizer.Attributes) (bool, string, error) {
		return false, "Everything is forbidden.", nil
	})
}

// NewPrivilegedGroups returns an authorizer that allows every request of
// a user in one of groups, and has no opinion on the others. A request
// without a user is an error, with upstream's "no user on request.". It
// is for the loopback client, whose user is in system:masters.
func NewPrivilegedGroups(groups ...string) authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(a authorizer.Attributes) (bool, string, error) {
		if a.GetUser() == nil {
			return false, "Error", errors.New("no user on request.") //lint:ignore ST1005 upstream's message
		}
		for _, group := range a.GetUser().GetGroups() {
			if slices.Contains(groups, group) {
				return true, "", nil
			}
		}
		return false, "", nil
	})
}
