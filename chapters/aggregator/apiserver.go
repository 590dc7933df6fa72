package aggregator

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/server/registry/apiregistration/apiservice"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
)

var apiserverGo = trace.UpstreamFile{
	Path: "staging/src/k8s.io/kube-aggregator/pkg/apiserver/apiserver.go", Ref: "v1.7.3", Chapter: "hooks",
}

// legacyAPIServiceName is the APIService of the legacy core group, served
// at /api.
const legacyAPIServiceName = "v1."

// Config configures the aggregator.
type Config struct {
	GenericConfig *server.Config
	// CoreKubeInformers are kube-apiserver's informers of Services and
	// Endpoints, which the aggregator's controllers read; its hook
	// start-kube-aggregator-informers starts them.
	CoreKubeInformers *informers.SharedInformerFactory
}

type completedConfig struct{ *Config }

// Complete turns the generic server's discovery off (the aggregator
// serves /apis itself) and completes the generic config.
func (c *Config) Complete() completedConfig {
	c.GenericConfig.EnableDiscovery = false
	c.GenericConfig.Complete()
	return completedConfig{c}
}

// APIAggregator is the aggregator: it serves apiregistration.k8s.io and
// /apis, and the group versions of the Available APIServices, handing
// those served locally to its delegate.
type APIAggregator struct {
	GenericAPIServer *server.GenericAPIServer

	delegateHandler http.Handler
	lister          *apiregistration.APIServiceLister

	lock          sync.Mutex
	proxyHandlers map[string]*proxyHandler // by APIService name
	handledGroups sets.Set[string]

	// APIRegistrationInformers holds the APIService informer.
	APIRegistrationInformers *informers.SharedInformerFactory
	// APIServiceInformer is the informer of every APIService.
	APIServiceInformer cache.SharedIndexInformer
	// APIServiceClient writes APIServices through the loopback client.
	APIServiceClient *apiregistration.APIServiceClient
}

// NewWithDelegate builds the aggregator on delegationTarget: the generic
// server kube-aggregator, apiregistration.k8s.io/v1beta1 apiservices,
// /apis from the APIServices, the informers and controllers of the
// APIServices, and the three post-start hooks that start them.
func (c completedConfig) NewWithDelegate(ctx context.Context, delegationTarget server.DelegationTarget) (*APIAggregator, error) {
	genericServer, err := c.GenericConfig.SkipComplete().New(ctx, "kube-aggregator", delegationTarget)
	if err != nil {
		return nil, err
	}
	apiregistrationClient, err := dynamic.NewForConfig(c.GenericConfig.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	// A resync of five minutes, upstream's refresh interval.
	informerFactory := informers.NewSharedInformerFactory("kube-aggregator", nil, 5*time.Minute)
	apiServiceInformer := informerFactory.InformerFor("apiservices", func() cache.SharedIndexInformer {
		return apiregistration.NewAPIServiceInformer(apiregistrationClient, 5*time.Minute)
	})
	s := &APIAggregator{
		GenericAPIServer:         genericServer,
		delegateHandler:          delegationTarget.UnprotectedHandler(),
		lister:                   apiregistration.NewAPIServiceLister(apiServiceInformer),
		proxyHandlers:            map[string]*proxyHandler{},
		handledGroups:            sets.New[string](),
		APIRegistrationInformers: informerFactory,
		APIServiceInformer:       apiServiceInformer,
		APIServiceClient:         apiregistration.NewAPIServiceClient(apiregistrationClient),
	}
	if err := genericServer.InstallAPIGroup(ctx, apiGroupInfo()); err != nil {
		return nil, err
	}
	apisHandler := endpoints.GroupsHandler(s.discoveryGroups)
	genericServer.Handler.NonGoRestfulMux.Handle("/apis", apisHandler)
	genericServer.Handler.NonGoRestfulMux.UnlistedHandle("/apis/", apisHandler)

	apiserviceRegistrationController := NewAPIServiceRegistrationController(apiServiceInformer, c.CoreKubeInformers.Services(), s)
	availableController := NewAvailableConditionController(apiServiceInformer,
		c.CoreKubeInformers.Services(), c.CoreKubeInformers.Endpoints(), s.APIServiceClient)

	// --8<-- [start:hooks]
	s.GenericAPIServer.AddPostStartHook(ctx, "start-kube-aggregator-informers", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, apiserverGo.Func("apiserver.completedConfig.NewWithDelegate.func1"))
		informerFactory.Start(ctx, hookContext.StopCh)
		c.CoreKubeInformers.Start(ctx, hookContext.StopCh)
		return nil
	})
	s.GenericAPIServer.AddPostStartHook(ctx, "apiservice-registration-controller", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, apiserverGo.Func("apiserver.completedConfig.NewWithDelegate.func2"))
		trace.Go(ctx, "APIServiceRegistrationController", func(ctx context.Context) {
			apiserviceRegistrationController.Run(ctx, hookContext.StopCh)
		})
		return nil
	})
	s.GenericAPIServer.AddPostStartHook(ctx, "apiservice-status-available-controller", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, apiserverGo.Func("apiserver.completedConfig.NewWithDelegate.func3"))
		trace.Go(ctx, "AvailableConditionController", func(ctx context.Context) {
			availableController.Run(ctx, hookContext.StopCh)
		})
		return nil
	})
	// --8<-- [end:hooks]
	return s, nil
}

// apiGroupInfo is the group the aggregator serves: apiservices, stored as
// unstructured JSON objects, and their status subresource.
func apiGroupInfo() *endpoints.APIGroupInfo {
	return &endpoints.APIGroupInfo{
		GroupVersion: apiregistration.SchemeGroupVersion,
		Resources: []endpoints.Resource{{
			Name:           "apiservices",
			Kind:           "APIService",
			Strategy:       apiservice.NewStrategy(rest.UnstructuredObjectTyper),
			StatusStrategy: apiservice.NewStatusStrategy(rest.UnstructuredObjectTyper),
		}},
	}
}

// APIServiceLister returns the lister of the APIService informer's cache.
func (s *APIAggregator) APIServiceLister() *apiregistration.APIServiceLister { return s.lister }

// AddAPIService serves the group version of apiService: its paths are
// handed to the delegate when it is local, and answered 503 otherwise
// (the walkthrough proxies to no other server); for a named group,
// /apis/<group> is served from the APIServices too.
func (s *APIAggregator) AddAPIService(apiService *apiregistration.APIService) {
	s.lock.Lock()
	defer s.lock.Unlock()
	// --8<-- [start:add]
	if proxyHandler, exists := s.proxyHandlers[apiService.Name]; exists {
		proxyHandler.updateAPIService(apiService)
		return
	}
	proxyPath := "/apis/" + apiService.Spec.Group + "/" + apiService.Spec.Version
	// v1. is the legacy core group, at /api.
	if apiService.Name == legacyAPIServiceName {
		proxyPath = "/api"
	}
	proxyHandler := &proxyHandler{localDelegate: s.delegateHandler}
	proxyHandler.updateAPIService(apiService)
	s.proxyHandlers[apiService.Name] = proxyHandler
	mux := s.GenericAPIServer.Handler.NonGoRestfulMux
	mux.Handle(proxyPath, proxyHandler)
	mux.UnlistedHandlePrefix(proxyPath+"/", proxyHandler)
	if apiService.Name == legacyAPIServiceName || s.handledGroups.Has(apiService.Spec.Group) {
		return
	}
	// The group's discovery is the aggregator's.
	groupPath := "/apis/" + apiService.Spec.Group
	groupDiscoveryHandler := endpoints.GroupHandler(func() *metav1.APIGroup { return s.discoveryGroup(apiService.Spec.Group) }, s.delegateHandler)
	mux.Handle(groupPath, groupDiscoveryHandler)
	mux.UnlistedHandle(groupPath+"/", groupDiscoveryHandler)
	s.handledGroups.Insert(apiService.Spec.Group)
	// --8<-- [end:add]
}

// RemoveAPIService stops serving the group version of the APIService
// apiServiceName; its paths go to the delegate again. The group's
// discovery stays.
func (s *APIAggregator) RemoveAPIService(apiServiceName string) {
	s.lock.Lock()
	defer s.lock.Unlock()
	version := apiregistration.APIServiceNameToGroupVersion(apiServiceName)
	proxyPath := "/apis/" + version.Group + "/" + version.Version
	if apiServiceName == legacyAPIServiceName {
		proxyPath = "/api"
	}
	s.GenericAPIServer.Handler.NonGoRestfulMux.Unregister(proxyPath)
	s.GenericAPIServer.Handler.NonGoRestfulMux.Unregister(proxyPath + "/")
	delete(s.proxyHandlers, apiServiceName)
}

// proxyHandler serves the paths of one APIService.
type proxyHandler struct {
	localDelegate http.Handler
	local         atomic.Bool
}

func (r *proxyHandler) updateAPIService(apiService *apiregistration.APIService) {
	r.local.Store(apiService.Spec.Service == nil)
}

func (r *proxyHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.local.Load() {
		r.localDelegate.ServeHTTP(w, req)
		return
	}
	endpoints.WriteStatus(w, req, apierrors.NewServiceUnavailable(
		"the walkthrough's aggregator does not proxy to other API servers"))
}
