package aggregator

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"fmt"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var upstreamAvailableRun = trace.UpstreamFile{
	Path: "staging/src/k8s.io/kube-aggregator/pkg/controllers/status/available_controller.go",
	Ref:  "v1.7.3", Chapter: "hooks",
}.Func("apiserver.AvailableConditionController.Run")

// AvailableConditionController sets every APIService's Available
// condition: True for a local one; for one served by a Service, whether
// that Service exists and, for a ClusterIP Service, has endpoints with an
// address.
type AvailableConditionController struct {
	apiServiceClient   *apiregistration.APIServiceClient
	apiServiceLister   *apiregistration.APIServiceLister
	apiServiceInformer cache.SharedIndexInformer

	serviceLister     corelisters.ServiceLister
	serviceInformer   cache.SharedIndexInformer
	endpointsLister   corelisters.EndpointsLister
	endpointsInformer cache.SharedIndexInformer
}

// NewAvailableConditionController returns the controller of the
// APIServices in apiServiceInformer, which looks up their Services and
// Endpoints in the other two informers and writes the condition through
// apiServiceClient.
func NewAvailableConditionController(apiServiceInformer, serviceInformer, endpointsInformer cache.SharedIndexInformer,
	apiServiceClient *apiregistration.APIServiceClient) *AvailableConditionController {
	return &AvailableConditionController{
		apiServiceClient:   apiServiceClient,
		apiServiceLister:   apiregistration.NewAPIServiceLister(apiServiceInformer),
		apiServiceInformer: apiServiceInformer,
		serviceLister:      corelisters.NewServiceLister(serviceInformer.GetIndexer()),
		serviceInformer:    serviceInformer,
		endpointsLister:    corelisters.NewEndpointsLister(endpointsInformer.GetIndexer()),
		endpointsInformer:  endpointsInformer,
	}
}

// sync sets the Available condition of the APIService key.
func (c *AvailableConditionController) sync(ctx context.Context, key string) error {
	apiService, err := c.apiServiceLister.Get(key)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// --8<-- [start:sync]
	availableCondition := apiregistration.APIServiceCondition{
		Type:               apiregistration.Available,
		Status:             apiregistration.ConditionTrue,
		LastTransitionTime: metav1.Now(),
	}
	if apiService.Spec.Service == nil {
		availableCondition.Reason = "Local"
		availableCondition.Message = "Local APIServices are always available"
		return c.setCondition(ctx, apiService, availableCondition)
	}
	// --8<-- [end:sync]
	ref := apiService.Spec.Service
	service, err := c.serviceLister.Services(ref.Namespace).Get(ref.Name)
	switch {
	case apierrors.IsNotFound(err):
		availableCondition.Status, availableCondition.Reason = apiregistration.ConditionFalse, "ServiceNotFound"
		availableCondition.Message = fmt.Sprintf("service/%s in %q is not present", ref.Name, ref.Namespace)
		return c.setCondition(ctx, apiService, availableCondition)
	case err != nil:
		availableCondition.Status, availableCondition.Reason = apiregistration.ConditionUnknown, "ServiceAccessError"
		availableCondition.Message = fmt.Sprintf("service/%s in %q cannot be checked due to: %v", ref.Name, ref.Namespace, err)
		return c.setCondition(ctx, apiService, availableCondition)
	}
	if service.Spec.Type == corev1.ServiceTypeClusterIP {
		endpoints, err := c.endpointsLister.Endpoints(ref.Namespace).Get(ref.Name)
		switch {
		case apierrors.IsNotFound(err):
			availableCondition.Status, availableCondition.Reason = apiregistration.ConditionFalse, "EndpointsNotFound"
			availableCondition.Message = fmt.Sprintf("cannot find endpoints for service/%s in %q", ref.Name, ref.Namespace)
			return c.setCondition(ctx, apiService, availableCondition)
		case err != nil:
			availableCondition.Status, availableCondition.Reason = apiregistration.ConditionUnknown, "EndpointsAccessError"
			availableCondition.Message = fmt.Sprintf("service/%s in %q cannot be checked due to: %v", ref.Name, ref.Namespace, err)
			return c.setCondition(ctx, apiService, availableCondition)
		case !hasActiveEndpoints(endpoints):
			availableCondition.Status, availableCondition.Reason = apiregistration.ConditionFalse, "MissingEndpoints"
			availableCondition.Message = fmt.Sprintf("endpoints for service/%s in %q have no addresses", ref.Name, ref.Namespace)
			return c.setCondition(ctx, apiService, availableCondition)
		}
	}
	availableCondition.Reason = "Passed"
	availableCondition.Message = "all checks passed"
	return c.setCondition(ctx, apiService, availableCondition)
}

func (c *AvailableConditionController) setCondition(ctx context.Context, apiService *apiregistration.APIService, condition apiregistration.APIServiceCondition) error {
	apiregistration.SetAPIServiceCondition(apiService, condition)
	_, err := c.apiServiceClient.UpdateStatus(ctx, apiService)
	return err
}

func hasActiveEndpoints(endpoints *corev1.Endpoints) bool {
	for _, subset := range endpoints.Subsets {
		if len(subset.Addresses) > 0 {
			return true
		}
	}
	return false
}

// Run makes the work queue, watches the APIServices, Services and
// Endpoints, waits for the three caches, starts one worker and blocks
// until stopCh is closed; then it shuts the queue down, which ends the
// worker.
func (c *AvailableConditionController) Run(ctx context.Context, stopCh <-chan struct{}) {
	trace.Mirroring(ctx, upstreamAvailableRun)
	defer utilruntime.HandleCrash()
	queue := newQueue("AvailableConditionController")
	defer queue.ShutDown()
	if err := c.watch(queue); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "AvailableConditionController: cannot watch"))
		return
	}

	trace.Log(ctx).Info().Msg("Starting AvailableConditionController")
	defer trace.Log(ctx).Info().Msg("Shutting down AvailableConditionController")
	if !waitForCacheSync(ctx, "AvailableConditionController", stopCh,
		c.apiServiceInformer.HasSynced, c.serviceInformer.HasSynced, c.endpointsInformer.HasSynced) {
		return
	}
	trace.Go(ctx, "AvailableConditionController: worker", func(ctx context.Context) {
		wait.Until(func() { c.runWorker(ctx, queue) }, workerPeriod, stopCh)
	})
	trace.Recv(ctx, stopCh)
}

// watch queues an APIService when it changes, and every APIService whose
// Service is one that changed, or whose endpoints did.
func (c *AvailableConditionController) watch(queue workqueue.TypedRateLimitingInterface[string]) error {
	enqueue := func(obj any) { queue.Add(key(obj)) }
	if _, err := c.apiServiceInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue,
	}); err != nil {
		return err
	}
	byService := func(obj any) {
		namespace, name, _ := cache.SplitMetaNamespaceKey(key(obj))
		for _, name := range c.apiServicesFor(namespace, name) {
			queue.Add(name)
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc: byService, UpdateFunc: func(_, obj any) { byService(obj) }, DeleteFunc: byService,
	}
	if _, err := c.serviceInformer.AddEventHandler(handler); err != nil {
		return err
	}
	_, err := c.endpointsInformer.AddEventHandler(handler)
	return err
}

// apiServicesFor returns the APIServices served by the Service
// namespace/name.
func (c *AvailableConditionController) apiServicesFor(namespace, name string) []string {
	apiServices, err := c.apiServiceLister.List(labels.Everything())
	if err != nil {
		return nil
	}
	var names []string
	for _, apiService := range apiServices {
		if ref := apiService.Spec.Service; ref != nil && ref.Namespace == namespace && ref.Name == name {
			names = append(names, apiService.Name)
		}
	}
	return names
}

func (c *AvailableConditionController) runWorker(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) {
	for c.processNextWorkItem(ctx, queue) {
	}
}

func (c *AvailableConditionController) processNextWorkItem(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		trace.Log(ctx).Error().Msgf("%v failed with: %v", key, err)
		queue.AddRateLimited(key)
		return true
	}
	queue.Forget(key)
	return true
}
