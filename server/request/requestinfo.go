package request

import (
	"net/http"

	"k8s.io/apimachinery/pkg/util/sets"
)

// RequestInfo is what the URL of a request says it is about.
type RequestInfo struct {
	// IsResourceRequest is true for a request to an API resource or
	// subresource (/api/v1/namespaces/default/pods), false for any other
	// path (/healthz, /api, /apis/apps/v1).
	IsResourceRequest bool
	// Path is the URL path.
	Path string
	// Verb is the API verb for resource requests (get, list, watch,
	// create, update, patch, delete, deletecollection, proxy, redirect)
	// and the lowercase HTTP method for the others.
	Verb string

	APIPrefix  string // api or apis
	APIGroup   string // "" for the legacy core group
	APIVersion string
	Namespace  string
	// Resource is the resource's plural name, e.g. pods; not its kind.
	Resource string
	// Subresource is e.g. status in /pods/foo/status.
	Subresource string
	// Name is the object's name when the path names one.
	Name string
	// Parts are the path segments from the resource on:
	// resource, name, subresource, and whatever follows.
	Parts []string
}

// RequestInfoResolver builds the RequestInfo of a request.
type RequestInfoResolver interface {
	NewRequestInfo(req *http.Request) (*RequestInfo, error)
}

// RequestInfoFactory is the RequestInfoResolver of a generic API server.
type RequestInfoFactory struct {
	// APIPrefixes are the first path segments of resource requests,
	// without slashes: api and apis.
	APIPrefixes sets.Set[string]
	// GrouplessAPIPrefixes are those of APIPrefixes with no group
	// segment after them: api.
	GrouplessAPIPrefixes sets.Set[string]
}

// specialVerbs are path segments, right after the version, that are verbs
// rather than resources: /api/v1/watch/pods.
var specialVerbs = sets.New("proxy", "redirect", "watch")

// specialVerbsNoSubresources take everything after the name as a path for
// the target, not a subresource.
var specialVerbsNoSubresources = sets.New("proxy", "redirect")

// namespaceSubresources follow /namespaces/{name}; anything else there is
// a namespaced resource.
var namespaceSubresources = sets.New("status", "finalize")

// methodVerbs maps HTTP methods to API verbs for requests without a
// special verb; get and delete become list, watch or deletecollection when
// the path names no object.
var methodVerbs = map[string]string{
	"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete",
}
