package endpoints

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// Mux is where handlers are installed; the generic server's
// PathRecorderMux satisfies it.
type Mux interface {
	// Handle serves exactly path with h.
	Handle(path string, h http.Handler)
	// HandlePrefix serves everything below prefix, which ends in "/", with h.
	HandlePrefix(prefix string, h http.Handler)
}

// Resource describes one REST resource of a group version.
type Resource struct {
	Name       string   // plural, lower case: "namespaces"
	Kind       string   // "Namespace"; its list kind is Kind+"List"
	Namespaced bool     // served below /namespaces/<namespace>/ if true
	ShortNames []string // for discovery, e.g. "ns"; may be nil

	// New and NewList return empty typed objects registered in the
	// group's Scheme (e.g. &corev1.Namespace{}, &corev1.NamespaceList{}).
	// Leave both nil to store the resource as unstructured JSON objects
	// (used for CustomResourceDefinitions and APIServices, whose Go types
	// are not among our dependencies); such a resource speaks JSON only.
	New, NewList func() runtime.Object

	// WatchCacheSize is the size of the resource's watch cache, if its
	// storage has one; nil means the storage's default.
	WatchCacheSize *int

	// Strategy, if not nil, is the resource's create and update strategy
	// (such as namespace.NewStrategy); nil means rest.NewMetadataStrategy,
	// which checks the metadata only. Its NamespaceScoped must agree
	// with Namespaced.
	Strategy Strategy

	// StatusStrategy, if not nil, serves the status subresource,
	// <name>/status (GET, PUT, PATCH): the same objects, updated with this
	// strategy, which keeps all but the status (upstream's StatusREST).
	StatusStrategy rest.RESTUpdateStrategy

	// Storage, if not nil, wraps the resource's registry.Store in the
	// resource's own REST storage, which does more around the generic
	// verbs (as the service REST allocates cluster IPs around Create).
	// Watches go to the Store itself.
	Storage func(store *registry.Store) RESTStorage
}

// RESTStorage serves a resource's verbs but watch; *registry.Store is one.
type RESTStorage interface {
	List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error)
	Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error)
	Create(ctx context.Context, obj runtime.Object) (runtime.Object, error)
	Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo) (runtime.Object, bool, error)
	Delete(ctx context.Context, name string, options *metav1.DeleteOptions) (runtime.Object, bool, error)
}

// Strategy is a resource's create and update strategy.
type Strategy interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
}

// APIGroupInfo is one group version and its resources.
type APIGroupInfo struct {
	GroupVersion schema.GroupVersion // Group "" is the legacy core group under /api
	Resources    []Resource
	Scheme       *runtime.Scheme // types of typed resources; nil if all are unstructured

	// RESTOptionsGetter says where each resource is stored; nil gives
	// the installation a new, empty, in-memory backend of its own.
	RESTOptionsGetter registry.RESTOptionsGetter
	// MinRequestTimeout is the least time a watch without timeoutSeconds
	// is given; it gets a random time between it and twice it. 0 means
	// such watches never time out.
	MinRequestTimeout time.Duration
}

// APIGroup returns the discovery document of the group: its name and its
// only version, which is therefore also its preferred version.
func (info *APIGroupInfo) APIGroup() metav1.APIGroup {
	version := metav1.GroupVersionForDiscovery{
		GroupVersion: info.GroupVersion.String(),
		Version:      info.GroupVersion.Version,
	}
	return metav1.APIGroup{
		Name:             info.GroupVersion.Group,
		Versions:         []metav1.GroupVersionForDiscovery{version},
		PreferredVersion: version,
	}
}

// InstallLegacyAPI installs the legacy core group (Group "") below prefix,
// which is "/api" in every Kubernetes API server:
//
//   - prefix: the APIVersions document listing the group's version;
//   - prefix/<version>: the APIResourceList of its resources;
//   - prefix/<version>/: the REST handlers of its resources.
//
// It returns an error, and installs nothing, if info is not a valid core
// group. Installing a path twice is up to mux (a PathRecorderMux panics,
// as upstream's go-restful container does). InstallLegacyAPI copies what
// it needs from info, except info.Scheme, which it keeps using and which
// must not change afterwards.
func InstallLegacyAPI(ctx context.Context, mux Mux, prefix string, info *APIGroupInfo) error {
	if info.GroupVersion.Group != "" {
		return fmt.Errorf("endpoints: legacy API must be the core group, not %q",
			info.GroupVersion.Group)
	}
	if !strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("endpoints: API prefix %q must start and must not end with /", prefix)
	}
	root := &metav1.APIVersions{Versions: []string{info.GroupVersion.Version}}
	return install(ctx, mux, prefix, prefix+"/"+info.GroupVersion.Version, root, info)
}

// InstallAPIGroup installs a named group version:
//
//   - /apis/<group>: its APIGroup document (info.APIGroup());
//   - /apis/<group>/<version>: the APIResourceList of its resources;
//   - /apis/<group>/<version>/: the REST handlers of its resources.
//
// /apis itself is not installed: the server serves it with GroupsHandler.
// InstallAPIGroup returns an error, and installs nothing, if info is not
// valid. As InstallLegacyAPI, it leaves duplicate paths to mux and keeps
// using info.Scheme only.
func InstallAPIGroup(ctx context.Context, mux Mux, info *APIGroupInfo) error {
	if info.GroupVersion.Group == "" {
		return errors.New("endpoints: the core group must be installed with InstallLegacyAPI")
	}
	group := info.APIGroup()
	groupPath := "/apis/" + info.GroupVersion.Group
	return install(ctx, mux, groupPath, groupPath+"/"+info.GroupVersion.Version, &group, info)
}

// install serves root at rootPath and the group version at versionPath.
func install(ctx context.Context, mux Mux, rootPath, versionPath string, root runtime.Object, info *APIGroupInfo) error {
	gv := info.GroupVersion
	if gv.Version == "" || strings.Contains(gv.Version, "/") || strings.Contains(gv.Group, "/") {
		return fmt.Errorf("endpoints: group version %q must have a version, and no / in group or version", gv)
	}
	scopes, err := newScopes(ctx, info)
	if err != nil {
		return fmt.Errorf("endpoints: %s: %w", info.GroupVersion, err)
	}
	// --8<-- [start:install]
	mux.Handle(rootPath, discoveryHandler(root))
	mux.Handle(versionPath, discoveryHandler(apiResourceList(info)))
	mux.HandlePrefix(versionPath+"/", &restHandler{prefix: versionPath + "/", scopes: scopes})
	// --8<-- [end:install]
	return nil
}

// newScopes checks info's resources and returns what their handlers need,
// by resource name, each with its registry.Store.
func newScopes(ctx context.Context, info *APIGroupInfo) (map[string]*requestScope, error) {
	getter := info.RESTOptionsGetter
	if getter == nil {
		getter = registry.MemoryRESTOptionsGetter{Backend: memory.NewBackend(memory.DefaultHistorySize)}
	}
	var typed runtime.NegotiatedSerializer
	if info.Scheme != nil {
		// upstream converts to an internal version; we have none.
		typed = serializer.NewCodecFactory(info.Scheme).WithoutConversion()
	}
	scopes := map[string]*requestScope{}
	for _, res := range info.Resources {
		if err := checkResource(res, info); err != nil {
			return nil, fmt.Errorf("resource %q: %w", res.Name, err)
		}
		if _, dup := scopes[res.Name]; dup {
			return nil, fmt.Errorf("resource %q: listed twice", res.Name)
		}
		scope := &requestScope{
			Resource:          res,
			kind:              info.GroupVersion.WithKind(res.Kind),
			serializer:        typed,
			minRequestTimeout: info.MinRequestTimeout,
		}
		if res.New == nil {
			scope.serializer = unstructuredSerializer
		}
		store, err := newStore(ctx, scope, info, getter)
		if err != nil {
			return nil, fmt.Errorf("resource %q: %w", res.Name, err)
		}
		scope.store, scope.storage = store, store
		if res.Storage != nil {
			scope.storage = res.Storage(store)
		}
		if res.StatusStrategy != nil {
			// The status subresource: the same storage, another update strategy.
			statusStore := *store
			statusStore.UpdateStrategy = res.StatusStrategy
			status := *scope
			status.storage, status.subresource = &statusStore, "status"
			scope.status = &status
		}
		scopes[res.Name] = scope
	}
	return scopes, nil
}

// checkResource returns why res cannot be served, or nil.
func checkResource(res Resource, info *APIGroupInfo) error {
	switch {
	case res.Name == "" || res.Name != strings.ToLower(res.Name) || strings.Contains(res.Name, "/"):
		return errors.New("name must be lower case, not empty and without /")
	case res.Kind == "":
		return errors.New("kind is empty")
	case (res.New == nil) != (res.NewList == nil):
		return errors.New("set both New and NewList, or neither")
	case res.Strategy != nil && res.Strategy.NamespaceScoped() != res.Namespaced:
		return errors.New("the strategy's NamespaceScoped disagrees with Namespaced")
	case res.New == nil:
		return nil
	case info.Scheme == nil:
		return errors.New("typed resource needs a Scheme")
	}
	if err := checkKind(info, res.New(), res.Kind); err != nil {
		return err
	}
	return checkKind(info, res.NewList(), res.Kind+"List")
}

// checkKind returns an error unless info's Scheme knows obj as kind of
// info's group version.
func checkKind(info *APIGroupInfo, obj runtime.Object, kind string) error {
	gvks, _, err := info.Scheme.ObjectKinds(obj)
	if err != nil {
		return err
	}
	if want := info.GroupVersion.WithKind(kind); !slices.Contains(gvks, want) {
		return fmt.Errorf("%T is %v in the scheme, not %v", obj, gvks, want)
	}
	return nil
}

// newStore returns the registry.Store of scope's resource, its objects
// encoded in JSON where getter says (upstream's default for etcd3 in v1.7
// is protobuf; JSON serves every resource here, typed or not).
func newStore(ctx context.Context, scope *requestScope, info *APIGroupInfo, getter registry.RESTOptionsGetter) (*registry.Store, error) {
	res := scope.Resource
	strategy := res.Strategy
	var typer runtime.ObjectTyper = rest.UnstructuredObjectTyper
	if res.New != nil {
		typer = info.Scheme
	}
	if strategy == nil {
		strategy = rest.NewMetadataStrategy(typer, res.Namespaced)
	}
	store := &registry.Store{
		NewFunc:           scope.newObject,
		NewListFunc:       scope.newList,
		QualifiedResource: scope.resource(),
		CreateStrategy:    strategy,
		UpdateStrategy:    strategy,
		WatchCacheSize:    res.WatchCacheSize,
	}
	json, _ := runtime.SerializerInfoForMediaType(scope.serializer.SupportedMediaTypes(), runtime.ContentTypeJSON)
	gv := scope.kind.GroupVersion()
	codec := runtime.NewCodec(scope.serializer.EncoderForVersion(json.Serializer, gv),
		scope.serializer.DecoderToVersion(json.Serializer, gv))
	if err := store.CompleteWithOptions(ctx, getter, codec); err != nil {
		return nil, err
	}
	return store, nil
}
