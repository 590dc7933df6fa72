package authorizerfactory

import "github.com/kubewalk/kubewalk/server/authorization/authorizer"

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
