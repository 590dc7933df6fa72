package abac

import (
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
)

// PolicyList is an authorizer that allows what any of its policies
// allows. It is safe for concurrent use as long as nobody changes it.
type PolicyList []*Policy

// Authorize returns true and no reason when a policy matches a, and
// otherwise false with upstream's reason "No policy matched.". It never
// returns an error.
func (pl PolicyList) Authorize(a authorizer.Attributes) (bool, string, error) {
	for _, p := range pl {
		if matches(p.Spec, a) {
			return true, "", nil
		}
	}
	return false, "No policy matched.", nil
}

func matches(p PolicySpec, a authorizer.Attributes) bool {
	if !subjectMatches(p, a.GetUser()) || !verbMatches(p, a) {
		return false
	}
	// A request is either for a resource or for a path, never both, so
	// at most one of these can match.
	return resourceMatches(p, a) || nonResourceMatches(p, a)
}

// subjectMatches checks every subject field the policy gives; a policy
// that gives neither matches no one (parsePolicy refuses those).
func subjectMatches(p PolicySpec, u user.Info) bool {
	if u == nil {
		return false
	}
	matched := false
	if p.User != "" {
		if p.User != "*" && p.User != u.GetName() {
			return false
		}
		matched = true
	}
	if p.Group != "" {
		if p.Group != "*" && !slices.Contains(u.GetGroups(), p.Group) {
			return false
		}
		matched = true
	}
	return matched
}

// verbMatches lets every policy allow reads, and only writable
// (readonly: false) policies allow the rest.
func verbMatches(p PolicySpec, a authorizer.Attributes) bool {
	return a.IsReadOnly() || !p.Readonly
}

func resourceMatches(p PolicySpec, a authorizer.Attributes) bool {
	return a.IsResourceRequest() &&
		wildcardEquals(p.Namespace, a.GetNamespace()) &&
		wildcardEquals(p.Resource, a.GetResource()) &&
		wildcardEquals(p.APIGroup, a.GetAPIGroup())
}

func nonResourceMatches(p PolicySpec, a authorizer.Attributes) bool {
	if a.IsResourceRequest() {
		return false
	}
	path := p.NonResourcePath
	if path == "*" || path == a.GetPath() {
		return true
	}
	// "/apis/*" matches /apis/ and everything under it. As upstream, the
	// trailing stars are trimmed, so "/apis*" also matches /apisx.
	return strings.HasSuffix(path, "*") && strings.HasPrefix(a.GetPath(), strings.TrimRight(path, "*"))
}

// wildcardEquals reports whether a policy field allows value: "*" allows
// any, anything else only itself ("" only the empty value).
func wildcardEquals(field, value string) bool {
	return field == "*" || field == value
}
