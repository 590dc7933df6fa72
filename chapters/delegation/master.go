package delegation

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"errors"

	"github.com/kubewalk/kubewalk/chapters/bootstrap"
	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/core/endpoint"
	"github.com/kubewalk/kubewalk/server/registry/core/namespace"
	"github.com/kubewalk/kubewalk/server/registry/core/service"
	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/ipallocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/portallocator"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
)

var upstreamCreateKubeAPIServer = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "kubeapiserver",
}.Func("app.CreateKubeAPIServer")

// Master is the kube-apiserver server: it serves the legacy core group at
// /api (upstream's master.Master).
type Master struct {
	GenericAPIServer *server.GenericAPIServer
}

// upstreamCreateKubeAPIServerFunc1 is the hook
// start-kube-apiserver-informers, CreateKubeAPIServer's func literal.
var upstreamCreateKubeAPIServerFunc1 = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.3", Chapter: "hooks",
}.Func("app.CreateKubeAPIServer.func1")

// CreateKubeAPIServer builds the kube-apiserver server on
// delegateAPIServer, the apiextensions server in app.Run: /api and
// /api/v1 with namespaces, and everything else handed to the delegate.
// It adds the hook start-kube-apiserver-informers, which starts
// sharedInformers.
func CreateKubeAPIServer(ctx context.Context, kubeAPIServerConfig *config.MasterConfig, delegateAPIServer server.DelegationTarget,
	sharedInformers *informers.SharedInformerFactory) (_ *Master, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateKubeAPIServer)
	defer end(&err)

	// --8<-- [start:kubeapiserver]
	genericServer, err := kubeAPIServerConfig.GenericConfig.Complete().New(ctx, "kube-apiserver", delegateAPIServer)
	if err != nil {
		return nil, err
	}
	legacyRESTStorage, apiGroupInfo := newLegacyRESTStorage(kubeAPIServerConfig)
	if err := installBootstrapController(ctx, genericServer, kubeAPIServerConfig, legacyRESTStorage); err != nil {
		return nil, err
	}
	if err := genericServer.InstallLegacyAPIGroup(ctx, server.DefaultLegacyAPIPrefix, apiGroupInfo); err != nil {
		return nil, err
	}
	// --8<-- [end:kubeapiserver]
	// --8<-- [start:informershook]
	genericServer.AddPostStartHook(ctx, "start-kube-apiserver-informers", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, upstreamCreateKubeAPIServerFunc1)
		sharedInformers.Start(ctx, hookContext.StopCh)
		return nil
	})
	// --8<-- [end:informershook]
	if kubeAPIServerConfig.BreakHook != (options.Fault{}) {
		addBrokenHook(ctx, genericServer, kubeAPIServerConfig.BreakHook)
	}
	logServer(ctx, genericServer, "v1 (at /api)", delegateAPIServer)
	return &Master{GenericAPIServer: genericServer}, nil
}

// brokenHookName is the hook --break=hook and --break=hook-panic add.
const brokenHookName = "kubewalk/broken-hook"

// addBrokenHook adds a hook that fails as fault says: it returns an
// error (hook), or panics (hook-panic). Upstream has no such hook; the
// way the process ends then is upstream's.
func addBrokenHook(ctx context.Context, s *server.GenericAPIServer, fault options.Fault) {
	trace.Log(ctx).Warn().Str(trace.LogNoteKey, lang.Say(ctx, fault.Teaches)).
		Msg(lang.Sayf(ctx, "--break=%s: adding the post-start hook %s", fault.Name, brokenHookName))
	_ = s.AddPostStartHook(ctx, brokenHookName, func(ctx context.Context, _ server.PostStartHookContext) error {
		if fault == options.BreakHookPanic {
			panic("--break=hook-panic: the hook panicked on purpose")
		}
		return errors.New("--break=hook: the hook failed on purpose")
	})
}

// upstreamInstallLegacyAPI is where upstream adds the bootstrap
// controller's hook.
var upstreamInstallLegacyAPI = trace.UpstreamFile{
	Path: "pkg/master/master.go", Ref: "v1.7.3", Chapter: "hooks",
}.Func("master.Master.InstallLegacyAPI")

// installBootstrapController adds the hook bootstrap-controller, which
// starts the controller of the system namespaces and the kubernetes
// service, over a client of the loopback config (upstream's
// InstallLegacyAPI, with EnableCoreControllers, which kube-apiserver always
// sets). A hook that cannot be added ends the process, as upstream.
func installBootstrapController(ctx context.Context, s *server.GenericAPIServer, c *config.MasterConfig, legacyRESTStorage LegacyRESTStorage) (err error) {
	ctx, end := trace.Step(ctx, upstreamInstallLegacyAPI)
	defer end(&err)
	// --8<-- [start:bootstrap]
	coreClient, err := kubernetes.NewForConfig(c.GenericConfig.LoopbackClientConfig)
	if err != nil {
		return err
	}
	bootstrapController := bootstrap.NewBootstrapController(c, legacyRESTStorage.ServiceClusterIPAllocator,
		legacyRESTStorage.ServiceNodePortAllocator, coreClient.CoreV1(), coreClient.CoreV1(), coreClient.CoreV1())
	if err := s.AddPostStartHook(ctx, "bootstrap-controller", bootstrapController.PostStartHook); err != nil {
		trace.Fatalf(ctx, "Error registering PostStartHook %q: %v", "bootstrap-controller", err)
	}
	// --8<-- [end:bootstrap]
	// From v1.9 a pre-shutdown hook stops the controller's loops: v1.9
	// names it as the post-start hook, modern stop-kubernetes-service-controller.
	if c.GenericConfig.Era.Since(server.EraV19) {
		bootstrapController.RunnerNeverStopped = ""
		name := preShutdownHookName(c.GenericConfig.Era)
		if err := s.AddPreShutdownHook(name, bootstrapController.PreShutdownHook); err != nil {
			trace.Fatalf(ctx, "Error registering PreShutdownHook %q: %v", name, err)
		}
	}
	return nil
}

// preShutdownHookName is the name of the bootstrap controller's
// pre-shutdown hook in era: bootstrap-controller in v1.9 (pkg/master/master.go
// at v1.9.0), stop-kubernetes-service-controller in modern
// (pkg/controlplane/instance.go).
func preShutdownHookName(era server.Era) string {
	if era == server.EraModern {
		return "stop-kubernetes-service-controller"
	}
	return "bootstrap-controller"
}

// LegacyRESTStorage is what the bootstrap controller needs of the core
// group's storage: where the service REST keeps the taken cluster IPs
// and node ports, which its repair loops rebuild.
type LegacyRESTStorage struct {
	ServiceClusterIPAllocator allocator.RangeRegistry
	ServiceNodePortAllocator  allocator.RangeRegistry
}

// newLegacyRESTStorage returns the core group — namespaces, services and
// endpoints, typed with k8s.io/api/core/v1, so they speak JSON, YAML and
// protobuf, stored through the storage factory with the watch cache sizes
// the config gives them — and the allocators its services take cluster IPs (from
// c.ServiceIPRange) and node ports (from c.ServiceNodePortRange) from
// (upstream's LegacyRESTStorageProvider.NewLegacyRESTStorage).
func newLegacyRESTStorage(c *config.MasterConfig) (LegacyRESTStorage, *endpoints.APIGroupInfo) {
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))

	var restStorage LegacyRESTStorage
	serviceClusterIPRange := c.ServiceIPRange
	serviceClusterIPAllocator := ipallocator.NewAllocatorCIDRRange(&serviceClusterIPRange, func(max int, rangeSpec string) allocator.Interface {
		mem := allocator.NewMemory(allocator.NewAllocationMap(max, rangeSpec), schema.GroupResource{Resource: "serviceipallocations"})
		restStorage.ServiceClusterIPAllocator = mem
		return mem
	})
	serviceNodePortAllocator := portallocator.NewPortAllocatorCustom(c.ServiceNodePortRange, func(max int, rangeSpec string) allocator.Interface {
		mem := allocator.NewMemory(allocator.NewAllocationMap(max, rangeSpec), schema.GroupResource{Resource: "servicenodeportallocations"})
		restStorage.ServiceNodePortAllocator = mem
		return mem
	})

	var endpointsStore *registry.Store // for the service REST, which deletes a service's endpoints with it
	deleteEndpoints := func(ctx context.Context, name string) error {
		_, _, err := endpointsStore.Delete(ctx, name, nil)
		return err
	}
	return restStorage, &endpoints.APIGroupInfo{
		GroupVersion: corev1.SchemeGroupVersion,
		Scheme:       scheme,
		Resources: []endpoints.Resource{{
			Name:       "namespaces",
			Kind:       "Namespace",
			ShortNames: []string{"ns"},
			New:        func() runtime.Object { return &corev1.Namespace{} },
			NewList:    func() runtime.Object { return &corev1.NamespaceList{} },
			Strategy:   namespace.NewStrategy(scheme),
			// --8<-- [start:watchcachesize]
			WatchCacheSize: c.WatchCacheSizes.Get("namespaces"),
			// --8<-- [end:watchcachesize]
		}, {
			Name:       "endpoints",
			Kind:       "Endpoints",
			Namespaced: true,
			ShortNames: []string{"ep"},
			New:        func() runtime.Object { return &corev1.Endpoints{} },
			NewList:    func() runtime.Object { return &corev1.EndpointsList{} },
			Strategy:   endpoint.NewStrategy(scheme),
			Storage: func(store *registry.Store) endpoints.RESTStorage {
				endpointsStore = store
				return store
			},
			WatchCacheSize: c.WatchCacheSizes.Get("endpoints"),
		}, {
			Name:       "services",
			Kind:       "Service",
			Namespaced: true,
			ShortNames: []string{"svc"},
			New:        func() runtime.Object { return &corev1.Service{} },
			NewList:    func() runtime.Object { return &corev1.ServiceList{} },
			Strategy:   service.NewStrategy(scheme),
			Storage: func(store *registry.Store) endpoints.RESTStorage {
				return service.NewREST(store, deleteEndpoints, serviceClusterIPAllocator, serviceNodePortAllocator)
			},
			WatchCacheSize: c.WatchCacheSizes.Get("services"),
		}},
	}
}
