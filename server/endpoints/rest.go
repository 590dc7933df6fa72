package endpoints

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/request"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// restHandler serves the REST paths of one group version's resources, all
// below prefix ("/api/v1/", "/apis/<group>/<version>/"), as the go-restful
// routes that upstream's APIInstaller registers do:
//
//	<resource>                         GET list (or watch, with ?watch=true), POST create
//	<resource>/<name>                  GET get, PUT update, PATCH patch, DELETE delete
//	namespaces/<ns>/<resource>         the same, for namespaced resources
//	namespaces/<ns>/<resource>/<name>
//	watch/<any of the paths above>     GET watch (v1.7's deprecated legacy watch paths)
//
//	<resource>/<name>/status           GET, PUT, PATCH: the status subresource,
//	                                   for a resource with a StatusStrategy
//
// A namespaced resource's collection without a namespace lists (and
// watches) all namespaces (GET only). Any other path, including other
// subresources such as namespaces/<name>/finalize, is a 404 NotFound
// Status.
type restHandler struct {
	prefix string
	scopes map[string]*requestScope // by resource name
}

// requestInfo is what a request's path and method address, after
// upstream's request.RequestInfo.
type requestInfo struct {
	verb      string // "list", "get", "create", "update", "delete", …
	namespace string // empty for cluster-scoped resources
	name      string // empty for the collection
	watchPath bool   // below watch/: GET only
	scope     *requestScope
}

// isWatch reports whether r's query asks a list to watch, as upstream's
// RequestInfoFactory reads it.
func isWatch(r *http.Request) bool {
	switch strings.ToLower(r.URL.Query().Get("watch")) {
	case "1", "true":
		return true
	}
	return false
}

func (h *restHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri, ok := h.requestInfo(r)
	if !ok {
		WriteStatus(w, r, newStatusError(http.StatusNotFound, metav1.StatusReasonNotFound,
			"the server could not find the requested resource"))
		return
	}
	if allowed := ri.allowedMethods(); !slices.Contains(allowed, r.Method) {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		WriteStatus(w, r, ri.methodError())
		return
	}
	if ri.verb == "watch" { // a long-running stream, not one object
		ri.scope.watchResource(w, r.WithContext(request.WithNamespace(r.Context(), ri.namespace)), ri)
		return
	}
	// --8<-- [start:serve]
	// Negotiate before doing anything, so that a request whose answer the
	// client could not read changes nothing.
	out, err := negotiateOutput(r, ri.scope.serializer)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	code, obj, err := ri.scope.serve(r, ri)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	enc := ri.scope.serializer.EncoderForVersion(out.Serializer, ri.scope.kind.GroupVersion())
	body, err := encode(enc, obj)
	if err != nil {
		WriteStatus(w, r, err)
		return
	}
	write(w, code, out.MediaType, body)
	// --8<-- [end:serve]
}

// requestInfo resolves r's path below h.prefix, or returns false if no
// resource lives there.
func (h *restHandler) requestInfo(r *http.Request) (requestInfo, bool) {
	var ri requestInfo
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, h.prefix), "/")
	if slices.Contains(parts, "") {
		return ri, false
	}
	watchPath := parts[0] == "watch" && len(parts) > 1
	if watchPath {
		parts = parts[1:]
	}
	// namespaces/<ns>/<resource> addresses a namespaced resource, while
	// namespaces/<name>[/…] addresses a namespace (upstream decides the
	// same way, by the word after the name).
	if len(parts) >= 3 && parts[0] == "namespaces" {
		if scope, ok := h.scopes[parts[2]]; ok && scope.Namespaced {
			ri.namespace, parts = parts[1], parts[2:]
		}
	}
	scope, ok := h.scopes[parts[0]]
	if ok && len(parts) == 3 && parts[2] == "status" && scope.status != nil && !watchPath {
		scope, parts = scope.status, parts[:2]
	}
	if !ok || len(parts) > 2 {
		return ri, false
	}
	if len(parts) == 2 {
		ri.name = parts[1]
		if scope.Namespaced && ri.namespace == "" {
			return ri, false // an object of a namespaced resource needs its namespace
		}
	}
	ri.scope = scope
	ri.verb = verbFor(r.Method, ri.name == "")
	switch {
	case watchPath:
		ri.verb, ri.watchPath = "watch", true
	case ri.verb == "list" && isWatch(r):
		ri.verb = "watch"
	}
	return ri, true
}

// verbFor returns the verb a method means on a collection or an object,
// as upstream's RequestInfoFactory names it.
func verbFor(method string, collection bool) string {
	switch {
	case method == http.MethodGet && collection:
		return "list"
	case method == http.MethodGet:
		return "get"
	case method == http.MethodPost:
		return "create"
	case method == http.MethodPut:
		return "update"
	case method == http.MethodPatch:
		return "patch"
	case method == http.MethodDelete && collection:
		return "deletecollection"
	case method == http.MethodDelete:
		return "delete"
	}
	return strings.ToLower(method)
}

// allowedMethods returns the methods served at ri's path.
func (ri requestInfo) allowedMethods() []string {
	switch {
	case ri.watchPath:
		return []string{http.MethodGet}
	case ri.scope.subresource != "":
		return []string{http.MethodGet, http.MethodPut, http.MethodPatch}
	case ri.name != "":
		return []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}
	case ri.scope.Namespaced && ri.namespace == "":
		return []string{http.MethodGet}
	}
	return []string{http.MethodGet, http.MethodPost}
}

// methodError is the 405 for a method not served at ri's path: "patch is
// not supported…" for verbs no resource supports, as upstream answers for
// storage that lacks them, and a plain "method not allowed" for verbs that
// are served elsewhere (such as POST to an object).
func (ri requestInfo) methodError() error {
	if !slices.Contains(verbs(), ri.verb) {
		return apierrors.NewMethodNotSupported(ri.scope.resource(), ri.verb)
	}
	return newStatusError(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
		"the server does not allow this method on the requested resource")
}

// requestScope is what the handlers of one resource need, after
// upstream's handlers.RequestScope.
type requestScope struct {
	Resource
	kind       schema.GroupVersionKind      // of one object
	serializer runtime.NegotiatedSerializer // JSON only for unstructured resources
	store      *registry.Store              // the objects; watches read it
	storage    RESTStorage                  // serves the other verbs: store, or Resource.Storage's
	// status serves <name>/status, when the resource has the subresource;
	// subresource is "status" in that scope, "" in the resource's.
	status      *requestScope
	subresource string

	minRequestTimeout time.Duration // see APIGroupInfo
}

// resource returns the resource's name qualified by its group, as errors
// name it: "namespaces", "apiservices.apiregistration.k8s.io".
func (s *requestScope) resource() schema.GroupResource {
	return schema.GroupResource{Group: s.kind.Group, Resource: s.Name}
}

// serve runs ri's verb and returns the response's code and object, or the
// error to answer with instead.
func (s *requestScope) serve(r *http.Request, ri requestInfo) (int, runtime.Object, error) {
	r = r.WithContext(request.WithNamespace(r.Context(), ri.namespace))
	switch ri.verb {
	case "list":
		obj, err := s.list(r, ri.namespace)
		return http.StatusOK, obj, err
	case "get":
		obj, err := s.get(r, ri.name)
		return http.StatusOK, obj, err
	// Writes are answered within ?timeout= (30s by default), whatever
	// the storage does.
	case "create":
		obj, err := finishRequest(r, func() (runtime.Object, error) { return s.create(r) })
		return http.StatusCreated, obj, err
	case "update":
		// As upstream's wasCreated: set by the write, read once it answered.
		var created atomic.Bool
		obj, err := finishRequest(r, func() (runtime.Object, error) {
			obj, c, err := s.update(r, ri.name)
			created.Store(c)
			return obj, err
		})
		if err == nil && created.Load() {
			return http.StatusCreated, obj, err
		}
		return http.StatusOK, obj, err
	case "patch":
		obj, err := finishRequest(r, func() (runtime.Object, error) { return s.patch(r, ri.name) })
		return http.StatusOK, obj, err
	case "delete":
		obj, err := finishRequest(r, func() (runtime.Object, error) { return s.delete(r, ri.name) })
		return http.StatusOK, obj, err
	}
	return 0, nil, apierrors.NewMethodNotSupported(s.resource(), ri.verb)
}
