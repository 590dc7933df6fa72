package registry_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/core/namespace"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/server/storage/storagetest"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A watch cache starts goroutines: each must have ended when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cachedGetter stores namespaces on b behind a watch cache of size.
type cachedGetter struct {
	b    *memory.Backend
	size int
}

func (g cachedGetter) GetRESTOptions(context.Context, schema.GroupResource) (registry.RESTOptions, error) {
	return registry.RESTOptions{
		StorageConfig:  &storagebackend.Config{Prefix: registry.DefaultPrefix, Memory: g.b},
		Decorator:      registry.StorageWithCacher(g.size),
		ResourcePrefix: "namespaces",
	}, nil
}

// TestStorageWithCacher checks that a Store behind a watch cache writes
// through it, watches from it, keys the cache as it keys requests, and
// that its DestroyFunc stops the cache.
func TestStorageWithCacher(t *testing.T) {
	ctx, rec := kittest.New(t)
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	size := 5
	store := &registry.Store{
		NewFunc:           func() runtime.Object { return &corev1.Namespace{} },
		NewListFunc:       func() runtime.Object { return &corev1.NamespaceList{} },
		QualifiedResource: schema.GroupResource{Resource: "namespaces"},
		CreateStrategy:    namespace.NewStrategy(scheme),
		UpdateStrategy:    namespace.NewStrategy(scheme),
		WatchCacheSize:    &size,
	}
	if err := store.CompleteWithOptions(ctx, cachedGetter{b: memory.NewBackend(0), size: 100}, storagetest.Codec()); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Storage.(*storage.Cacher); !ok {
		t.Fatalf("storage is a %T; want a *storage.Cacher", store.Storage)
	}
	reqCtx := request.WithNamespace(ctx, "")
	created, err := store.Create(reqCtx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "demo"}})
	if err != nil {
		t.Fatal(err)
	}
	rv := created.(*corev1.Namespace).ResourceVersion
	// A list at rv waits until the cache has it: from the cache.
	list, err := store.List(reqCtx, &metainternalversion.ListOptions{ResourceVersion: rv})
	if err != nil || len(list.(*corev1.NamespaceList).Items) != 1 {
		t.Fatalf("List at %s = %v, %v; want demo, from the cache", rv, list, err)
	}
	w, err := store.Watch(reqCtx, &metainternalversion.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	e := kittest.Await(t, w.ResultChan(), "the watch's first event")
	if ns, ok := e.Object.(*corev1.Namespace); !ok || ns.Name != "demo" {
		t.Errorf("first event %s %v; want ADDED demo", e.Type, e.Object)
	}
	w.Stop()
	store.DestroyFunc()
	for _, o := range rec.Kit.Stats().Open {
		if strings.HasPrefix(o.Name, "Cacher.") {
			t.Errorf("after DestroyFunc, still open: %v", o)
		}
	}
	// The storage's own watch under the cache ends on its own, soon.
	rec.Kit.StopNeverStopped()
	rec.Wait(t)
}
