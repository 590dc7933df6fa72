package aggregator

import (
	"context"
	"reflect"
	"sync"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// AutoRegisterManagedLabel marks the APIServices the autoregister
// controller keeps; removing it takes an APIService out of its hands.
const AutoRegisterManagedLabel = "kube-aggregator.kubernetes.io/automanaged"

var upstreamAutoRegisterRun = trace.UpstreamFile{
	Path: "staging/src/k8s.io/kube-aggregator/pkg/controllers/autoregister/autoregister_controller.go",
	Ref:  "v1.7.3", Chapter: "hooks",
}.Func("autoregister.autoRegisterController.Run")

// AutoAPIServiceRegistration is how callers ask for APIServices to be
// kept present.
type AutoAPIServiceRegistration interface {
	// AddAPIServiceToSync asks for in to be kept present, as it is.
	AddAPIServiceToSync(in *apiregistration.APIService)
	// RemoveAPIServiceToSync asks for the APIService name to go, if the
	// controller manages it.
	RemoveAPIServiceToSync(name string)
}

// AutoRegisterController keeps a set of APIServices present: those of
// the groups the delegates serve, and of every CustomResourceDefinition's
// group. It creates the ones missing, updates the ones whose spec
// differs, and deletes the ones it manages (labelled
// AutoRegisterManagedLabel=true) that are no longer wanted.
type AutoRegisterController struct {
	apiServiceLister   *apiregistration.APIServiceLister
	apiServiceSynced   cache.InformerSynced
	apiServiceClient   *apiregistration.APIServiceClient
	apiServiceInformer cache.SharedIndexInformer

	apiServicesToSyncLock sync.RWMutex
	apiServicesToSync     map[string]*apiregistration.APIService
	queue                 workqueue.TypedRateLimitingInterface[string] // made by Run
}

var _ AutoAPIServiceRegistration = &AutoRegisterController{}

// NewAutoRegisterController returns the controller of the APIServices in
// apiServiceInformer, which it writes through apiServiceClient.
func NewAutoRegisterController(apiServiceInformer cache.SharedIndexInformer, apiServiceClient *apiregistration.APIServiceClient) *AutoRegisterController {
	return &AutoRegisterController{
		apiServiceLister:   apiregistration.NewAPIServiceLister(apiServiceInformer),
		apiServiceSynced:   apiServiceInformer.HasSynced,
		apiServiceClient:   apiServiceClient,
		apiServiceInformer: apiServiceInformer,
		apiServicesToSync:  map[string]*apiregistration.APIService{},
	}
}

// Run makes the work queue, with every APIService asked for so far in
// it, watches the APIServices, waits for the informer's cache, starts
// threadiness workers and blocks until stopCh is closed; then it shuts
// the queue down, which ends the workers.
func (c *AutoRegisterController) Run(ctx context.Context, threadiness int, stopCh <-chan struct{}) {
	trace.Mirroring(ctx, upstreamAutoRegisterRun)
	defer utilruntime.HandleCrash()
	queue := c.startQueue()
	defer queue.ShutDown()
	enqueue := func(obj any) { queue.Add(key(obj)) }
	_, err := c.apiServiceInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: enqueue, UpdateFunc: func(_, obj any) { enqueue(obj) }, DeleteFunc: enqueue,
	})
	if err != nil {
		trace.Log(ctx).Error().Err(err).Msg(lang.Say(ctx, "autoregister: cannot watch the APIServices"))
		return
	}

	trace.Log(ctx).Info().Msg("Starting autoregister controller")
	defer trace.Log(ctx).Info().Msg("Shutting down autoregister controller")
	if !waitForCacheSync(ctx, "autoregister", stopCh, c.apiServiceSynced) {
		return
	}
	for range threadiness {
		trace.Go(ctx, "autoregister: worker", func(ctx context.Context) {
			wait.Until(func() { c.runWorker(ctx, queue) }, workerPeriod, stopCh)
		})
	}
	trace.Recv(ctx, stopCh)
}

// startQueue makes the queue and puts in it what was asked for before.
func (c *AutoRegisterController) startQueue() workqueue.TypedRateLimitingInterface[string] {
	c.apiServicesToSyncLock.Lock()
	defer c.apiServicesToSyncLock.Unlock()
	c.queue = newQueue("autoregister")
	for name := range c.apiServicesToSync {
		c.queue.Add(name)
	}
	return c.queue
}

func (c *AutoRegisterController) runWorker(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) {
	for c.processNextWorkItem(ctx, queue) {
	}
}

// processNextWorkItem syncs one name off the queue, again later with a
// backoff if that failed; it returns false once the queue shuts down.
func (c *AutoRegisterController) processNextWorkItem(ctx context.Context, queue workqueue.TypedRateLimitingInterface[string]) bool {
	key, quit := queue.Get()
	if quit {
		return false
	}
	defer queue.Done(key)
	if err := c.checkAPIService(ctx, key); err != nil {
		trace.Log(ctx).Error().Msgf("%v failed with : %v", key, err)
		queue.AddRateLimited(key)
		return true
	}
	queue.Forget(key)
	return true
}

// checkAPIService makes the APIService name what is wanted of it.
func (c *AutoRegisterController) checkAPIService(ctx context.Context, name string) error {
	desired := c.GetAPIServiceToSync(name)
	curr, err := c.apiServiceLister.Get(name)
	// --8<-- [start:check]
	switch {
	// a real error: report it
	case err != nil && !apierrors.IsNotFound(err):
		return err
	// none there and none wanted
	case apierrors.IsNotFound(err) && desired == nil:
		return nil
	// none there and one wanted
	case apierrors.IsNotFound(err) && desired != nil:
		_, err := c.apiServiceClient.Create(ctx, desired)
		return err
	// not ours to manage: whoever removed the label took it over
	case curr.Labels[AutoRegisterManagedLabel] != "true":
		return nil
	// ours and no longer wanted
	case desired == nil:
		return c.apiServiceClient.Delete(ctx, curr.Name)
	// as wanted already
	case reflect.DeepEqual(curr.Spec, desired.Spec):
		return nil
	}
	// ours, with another spec: put the wanted spec back
	curr.Spec = desired.Spec
	_, err = c.apiServiceClient.Update(ctx, curr)
	return err
	// --8<-- [end:check]
}

// GetAPIServiceToSync returns what is wanted of the APIService name, or
// nil.
func (c *AutoRegisterController) GetAPIServiceToSync(name string) *apiregistration.APIService {
	c.apiServicesToSyncLock.RLock()
	defer c.apiServicesToSyncLock.RUnlock()
	return c.apiServicesToSync[name]
}

// AddAPIServiceToSync asks for a copy of in, labelled as managed, to be
// kept present.
func (c *AutoRegisterController) AddAPIServiceToSync(in *apiregistration.APIService) {
	c.apiServicesToSyncLock.Lock()
	defer c.apiServicesToSyncLock.Unlock()
	apiService := *in
	apiService.Labels = map[string]string{}
	for k, v := range in.Labels {
		apiService.Labels[k] = v
	}
	apiService.Labels[AutoRegisterManagedLabel] = "true"
	c.apiServicesToSync[apiService.Name] = &apiService
	if c.queue != nil {
		c.queue.Add(apiService.Name)
	}
}

// RemoveAPIServiceToSync stops wanting the APIService name.
func (c *AutoRegisterController) RemoveAPIServiceToSync(name string) {
	c.apiServicesToSyncLock.Lock()
	defer c.apiServicesToSyncLock.Unlock()
	delete(c.apiServicesToSync, name)
	if c.queue != nil {
		c.queue.Add(name)
	}
}
