package aggregator

import (
	"context"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

var upstreamRegistrationRun = trace.UpstreamFile{
	Path: "staging/src/k8s.io/kube-aggregator/pkg/apiserver/apiservice_controller.go",
	Ref:  "v1.7.3", Chapter: "hooks",
}.Func("apiserver.APIServiceRegistrationController.Run")

// APIHandlerManager serves the group versions of APIServices: the
// aggregator.
type APIHandlerManager interface {
	AddAPIService(apiService *apiregistration.APIService)
	RemoveAPIService(apiServiceName string)
}

// APIServiceRegistrationController has the aggregator serve every
// APIService that is Available, and stop serving those that are not, or
// are gone.
type APIServiceRegistrationController struct {
	apiHandlerManager  APIHandlerManager
	apiServiceLister   *apiregistration.APIServiceLister
	apiServiceInformer cache.SharedIndexInformer
	serviceInformer    cache.SharedIndexInformer
}

// NewAPIServiceRegistrationController returns the controller of the
// APIServices in apiServiceInformer; serviceInformer is the Services',
// which it waits for.
func NewAPIServiceRegistrationController(apiServiceInformer, serviceInformer cache.SharedIndexInformer, apiHandlerManager APIHandlerManager) *APIServiceRegistrationController {
	return &APIServiceRegistrationController{
		apiHandlerManager:  apiHandlerManager,
		apiServiceLister:   apiregistration.NewAPIServiceLister(apiServiceInformer),
		apiServiceInformer: apiServiceInformer,
		serviceInformer:    serviceInformer,
	}
}

// sync serves the APIService key, or stops serving it.
func (c *APIServiceRegistrationController) sync(key string) error {
	apiService, err := c.apiServiceLister.Get(key)
	if apierrors.IsNotFound(err) {
		c.apiHandlerManager.RemoveAPIService(key)
		return nil
	}
	if err != nil {
		return err
	}
	// Only Available APIServices are served.
	if !apiregistration.IsAPIServiceConditionTrue(apiService, apiregistration.Available) {
		c.apiHandlerManager.RemoveAPIService(key)
		return nil
	}
	c.apiHandlerManager.AddAPIService(apiService)
	return nil
}

// Run makes the work queue, watches the APIServices, waits for both
// caches, starts one worker and blocks until stopCh is closed; then it
// shuts the queue down, which ends the worker.
func (c *APIServiceRegistrationController) Run(ctx context.Context, stopCh <-chan struct{}) {
	trace.Mirroring(ctx, upstreamRegistrationRun)
	defer utilruntime.HandleCrash()
	queue := newQueue("APIServiceRegistrationController")
	defer queue.ShutDown()
	enqueue := func(obj any) { queue.Add(key(obj)) }
	if _, err := c.apiServiceInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue,
	}); err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "APIServiceRegistrationController: cannot watch the APIServices"))
		return
	}

	trace.Log(ctx).Info().Msg("Starting APIServiceRegistrationController")
	defer trace.Log(ctx).Info().Msg("Shutting down APIServiceRegistrationController")
	if !waitForCacheSync(ctx, "APIServiceRegistrationController", stopCh, c.apiServiceInformer.HasSynced, c.serviceInformer.HasSynced) {
		return
	}
	trace.Go(ctx, "APIServiceRegistrationController: worker", func(ctx context.Context) {
		wait.Until(func() { c.runWorker(ctx, queue) }, workerPeriod, stopCh)
	})
	trace.Recv(ctx, stopCh)
}

func (c *APIServiceRegistrationController) runWorker(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) {
	for c.processNextWorkItem(ctx, queue) {
	}
}

func (c *APIServiceRegistrationController) processNextWorkItem(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)
	if err := c.sync(key); err != nil {
		trace.Log(ctx).Error().Msgf("%v failed with: %v", key, err)
		queue.AddRateLimited(key)
		return true
	}
	queue.Forget(key)
	return true
}
