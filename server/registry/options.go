package registry

import (
	"context"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend/factory"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RESTOptions says where one resource is stored.
type RESTOptions struct {
	// StorageConfig is how to reach the storage and encode the objects.
	// A nil Codec leaves the encoding to the Store's caller (see
	// Store.CompleteWithOptions).
	StorageConfig *storagebackend.Config
	// Decorator makes the storage: UndecoratedStorage, or a watch cache
	// in front of it (StorageWithCacher).
	Decorator StorageDecorator
	// ResourcePrefix is the key prefix of the resource's objects below the
	// storage's own prefix, such as "namespaces".
	ResourcePrefix string
}

// StorageDecorator makes a resource's storage from config: objects of
// objectType below resourcePrefix, keyed by keyFunc, selectable by the
// labels and fields getAttrsFunc returns. capacity is the watch cache's
// size, nil for the default. ctx carries the trace kit to the goroutines
// the storage starts, which outlive it.
type StorageDecorator func(
	ctx context.Context,
	config *storagebackend.Config,
	capacity *int,
	objectType runtime.Object,
	resourcePrefix string,
	keyFunc func(obj runtime.Object) (string, error),
	newListFunc func() runtime.Object,
	getAttrsFunc storage.AttrFunc) (storage.Interface, DestroyFunc, error)

// DestroyFunc releases what a storage holds (its clients, its watch
// cache's goroutines). v1.7 calls it only in tests.
type DestroyFunc = factory.DestroyFunc

// RESTOptionsGetter gives each resource its RESTOptions. A server's
// config holds one, shared by every server of the delegation chain. ctx
// carries the trace kit (ours: upstream's takes none).
type RESTOptionsGetter interface {
	GetRESTOptions(ctx context.Context, resource schema.GroupResource) (RESTOptions, error)
}
