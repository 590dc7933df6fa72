// Package informers hands out shared informers, one per resource, and
// starts them: what upstream's informer factories do (client-go's
// informers.SharedInformerFactory, and the generated factories of
// kube-apiserver, apiextensions-apiserver and kube-aggregator). The
// informers themselves are client-go's.
//
// # Upstream
//
// k8s.io/client-go/informers/factory.go (sharedInformerFactory:
// InformerFor, Start) at kubernetes-1.7.6.
//
// # Differences from upstream
//
//   - One factory type for every client: an informer is asked for by the
//     resource's name with the function that makes it, where upstream's
//     generated factories have a typed accessor per resource; the few
//     core v1 informers the hooks need have accessors (Namespaces,
//     Services, Endpoints) over the factory's client-go clientset.
//   - Start takes a context and starts each informer through trace.Go,
//     so each is a goroutine of the trace that ends when stopCh closes;
//     the informer's requests carry that context, so the trace shows them
//     as the informer's.
package informers

import (
	"context"
	"sync"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// SharedInformerFactory makes at most one informer per resource, for
// every controller that asks, and starts those asked for so far. It is
// safe for concurrent use.
type SharedInformerFactory struct {
	name          string // whose informers they are, in the goroutines' names
	client        kubernetes.Interface
	defaultResync time.Duration

	lock      sync.Mutex
	informers map[string]cache.SharedIndexInformer
	order     []string // resources in the order they were asked for
	started   map[string]bool
}

// NewSharedInformerFactory returns an empty factory; name says whose
// informers it makes (e.g. "kube-aggregator"), client is what its core
// informers list and watch with (nil when it has none), and
// defaultResync how often they resync (0: never).
func NewSharedInformerFactory(name string, client kubernetes.Interface, defaultResync time.Duration) *SharedInformerFactory {
	return &SharedInformerFactory{
		name: name, client: client, defaultResync: defaultResync,
		informers: map[string]cache.SharedIndexInformer{}, started: map[string]bool{},
	}
}

// Namespaces returns the factory's informer of every namespace.
func (f *SharedInformerFactory) Namespaces() cache.SharedIndexInformer {
	return f.InformerFor("namespaces", func() cache.SharedIndexInformer {
		return coreinformers.NewNamespaceInformer(f.client, f.defaultResync, cache.Indexers{})
	})
}

// Services returns the factory's informer of the services of every
// namespace.
func (f *SharedInformerFactory) Services() cache.SharedIndexInformer {
	return f.InformerFor("services", func() cache.SharedIndexInformer {
		return coreinformers.NewServiceInformer(f.client, metav1.NamespaceAll, f.defaultResync,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	})
}

// Endpoints returns the factory's informer of the endpoints of every
// namespace.
func (f *SharedInformerFactory) Endpoints() cache.SharedIndexInformer {
	return f.InformerFor("endpoints", func() cache.SharedIndexInformer {
		return coreinformers.NewEndpointsInformer(f.client, metav1.NamespaceAll, f.defaultResync,
			cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	})
}

// InformerFor returns the informer of resource, made by newFunc the first
// time it is asked for.
func (f *SharedInformerFactory) InformerFor(resource string, newFunc func() cache.SharedIndexInformer) cache.SharedIndexInformer {
	f.lock.Lock()
	defer f.lock.Unlock()
	if informer, ok := f.informers[resource]; ok {
		return informer
	}
	informer := newFunc()
	f.informers[resource] = informer
	f.order = append(f.order, resource)
	return informer
}

// Start runs every informer asked for and not yet started, each in a
// goroutine of its own ("<name> informer: <resource>") that ends when
// stopCh is closed and the informer has stopped. It returns at once.
func (f *SharedInformerFactory) Start(ctx context.Context, stopCh <-chan struct{}) {
	f.lock.Lock()
	defer f.lock.Unlock()
	for _, resource := range f.order {
		if f.started[resource] {
			continue
		}
		informer := f.informers[resource]
		trace.Go(ctx, f.name+" informer: "+resource, func(ctx context.Context) {
			informer.RunWithContext(untilClosed(ctx, stopCh))
		})
		f.started[resource] = true
	}
}

// WaitForCacheSync waits until every started informer has synced, or
// stopCh is closed; it reports which have synced.
func (f *SharedInformerFactory) WaitForCacheSync(stopCh <-chan struct{}) map[string]bool {
	f.lock.Lock()
	informers := map[string]cache.SharedIndexInformer{}
	for resource, informer := range f.informers {
		if f.started[resource] {
			informers[resource] = informer
		}
	}
	f.lock.Unlock()
	synced := map[string]bool{}
	for resource, informer := range informers {
		synced[resource] = cache.WaitForCacheSync(stopCh, informer.HasSynced)
	}
	return synced
}

// untilClosed returns a context that carries ctx's values and is done
// when stopCh is closed: an informer runs with it, so that it stops with
// stopCh and its requests carry the trace kit.
func untilClosed(ctx context.Context, stopCh <-chan struct{}) context.Context {
	return stopContext{Context: ctx, stopCh: stopCh}
}

type stopContext struct {
	context.Context
	stopCh <-chan struct{}
}

func (c stopContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c stopContext) Done() <-chan struct{}       { return c.stopCh }

func (c stopContext) Err() error {
	// A plain select: a poll, as Err must not block.
	select {
	case <-c.stopCh:
		return context.Canceled
	default:
		return nil
	}
}
