package aggregator

import (
	"context"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// waitForCacheSync waits until every cache has synced, or stopCh closes,
// saying so in upstream's words; it reports whether they synced.
func waitForCacheSync(ctx context.Context, controllerName string, stopCh <-chan struct{}, cacheSyncs ...cache.InformerSynced) bool {
	trace.Log(ctx).Info().Msgf("Waiting for caches to sync for %s controller", controllerName)
	if !cache.WaitForCacheSync(stopCh, cacheSyncs...) {
		trace.Log(ctx).Error().Msgf("Unable to sync caches for %s controller", controllerName)
		return false
	}
	trace.Log(ctx).Info().Msgf("Caches are synced for %s controller", controllerName)
	return true
}

// newQueue returns the rate-limited work queue of a controller, named.
// Its delaying half starts a goroutine of client-go's, which ShutDown
// ends; so the controllers make their queue in Run, which always shuts it
// down, where upstream makes it in the constructor.
func newQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name})
}

// key returns the cache key of an informer's object, or of the object a
// tombstone stands for; "" if it has none.
func key(obj any) string {
	k, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return ""
	}
	return k
}

// workerPeriod is how long wait.Until waits before starting a worker
// again, should one return.
const workerPeriod = time.Second
