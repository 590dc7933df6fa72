package authorizer

import "github.com/kubewalk/kubewalk/server/authentication/user"

// Attributes is what an Authorizer decides on.
type Attributes interface {
	// GetUser returns the user making the request, or nil.
	GetUser() user.Info
	// GetVerb returns the API verb (get, list, watch, create, update,
	// patch, delete, deletecollection, proxy) for resource requests, the
	// lowercase HTTP method for the others.
	GetVerb() string
	// IsReadOnly reports whether the request has no side effects.
	IsReadOnly() bool
	// GetNamespace returns the namespace of a namespaced resource request.
	GetNamespace() string
	// GetResource returns the resource (pods, not Pod) of a resource request.
	GetResource() string
	// GetSubresource returns the subresource (status, log), if any.
	GetSubresource() string
	// GetName returns the object's name when the path names one.
	GetName() string
	// GetAPIGroup returns the group of a resource request; "" is the core group.
	GetAPIGroup() string
	// GetAPIVersion returns the version of a resource request.
	GetAPIVersion() string
	// IsResourceRequest reports whether the request is for an API
	// resource (/api/v1/pods) rather than a path (/healthz, /api).
	IsResourceRequest() bool
	// GetPath returns the request's URL path.
	GetPath() string
}

// Authorizer decides whether a request may proceed. authorized is true
// to allow it; reason explains a decision either way and may be empty; a
// non-nil err means the authorizer could not decide. An authorizer that
// has no opinion returns false, "", nil, so a union can ask the next one.
type Authorizer interface {
	Authorize(a Attributes) (authorized bool, reason string, err error)
}

// AuthorizerFunc is a function that is an Authorizer.
type AuthorizerFunc func(a Attributes) (bool, string, error)

// Authorize calls f(a).
func (f AuthorizerFunc) Authorize(a Attributes) (bool, string, error) {
	return f(a)
}

// AttributesRecord is a plain Attributes.
type AttributesRecord struct {
	User            user.Info
	Verb            string
	Namespace       string
	APIGroup        string
	APIVersion      string
	Resource        string
	Subresource     string
	Name            string
	ResourceRequest bool
	Path            string
}

func (a AttributesRecord) GetUser() user.Info      { return a.User }
func (a AttributesRecord) GetVerb() string         { return a.Verb }
func (a AttributesRecord) GetNamespace() string    { return a.Namespace }
func (a AttributesRecord) GetResource() string     { return a.Resource }
func (a AttributesRecord) GetSubresource() string  { return a.Subresource }
func (a AttributesRecord) GetName() string         { return a.Name }
func (a AttributesRecord) GetAPIGroup() string     { return a.APIGroup }
func (a AttributesRecord) GetAPIVersion() string   { return a.APIVersion }
func (a AttributesRecord) IsResourceRequest() bool { return a.ResourceRequest }
func (a AttributesRecord) GetPath() string         { return a.Path }

// IsReadOnly reports whether Verb is get, list or watch.
func (a AttributesRecord) IsReadOnly() bool {
	return a.Verb == "get" || a.Verb == "list" || a.Verb == "watch"
}
