package user

// Info is a user that has been authenticated.
type Info interface {
	// GetName returns the name that identifies the user among all users.
	GetName() string
	// GetUID returns a value that changes if the user is removed and
	// another user with the same name is added.
	GetUID() string
	// GetGroups returns the groups the user belongs to.
	GetGroups() []string
	// GetExtra returns whatever else the authenticator found worth
	// passing on (scopes of a token, for example), keyed by lowercase,
	// namespaced keys.
	GetExtra() map[string][]string
}

// DefaultInfo is a plain Info. Its zero value is a user with no name and
// no groups.
type DefaultInfo struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

func (i *DefaultInfo) GetName() string               { return i.Name }
func (i *DefaultInfo) GetUID() string                { return i.UID }
func (i *DefaultInfo) GetGroups() []string           { return i.Groups }
func (i *DefaultInfo) GetExtra() map[string][]string { return i.Extra }

// Well-known user and group names.
const (
	SystemPrivilegedGroup = "system:masters"
	NodesGroup            = "system:nodes"
	AllUnauthenticated    = "system:unauthenticated"
	AllAuthenticated      = "system:authenticated"

	Anonymous     = "system:anonymous"
	APIServerUser = "system:apiserver"
)
