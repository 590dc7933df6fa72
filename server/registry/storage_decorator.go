package registry

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend/factory"
	"k8s.io/apimachinery/pkg/runtime"
)

// UndecoratedStorage is the storage config describes, with no watch
// cache: every read and watch goes to the backend.
func UndecoratedStorage(ctx context.Context, config *storagebackend.Config, capacity *int, objectType runtime.Object,
	resourcePrefix string, keyFunc func(obj runtime.Object) (string, error), newListFunc func() runtime.Object,
	getAttrsFunc storage.AttrFunc) (storage.Interface, DestroyFunc, error) {
	return NewRawStorage(ctx, config)
}

// NewRawStorage is the backend's storage itself, as config describes it.
// (Upstream exits with glog.Fatalf when it cannot be made; ours returns
// the error, with upstream's words.)
func NewRawStorage(ctx context.Context, config *storagebackend.Config) (storage.Interface, DestroyFunc, error) {
	s, d, err := factory.Create(ctx, *config)
	if err != nil {
		//lint:ignore ST1005 upstream's words, capital and all
		return nil, nil, fmt.Errorf("Unable to create storage backend: config (servers %s, prefix %s), err (%v)",
			strings.Join(config.ServerList, ","), config.Prefix, err)
	}
	return s, d, nil
}

// StorageWithCacher returns the decorator that puts a watch cache (a
// Cacher) in front of the storage, of defaultCapacity changes unless the
// resource asks for another size. Its DestroyFunc stops the Cacher and
// then releases the storage.
func StorageWithCacher(defaultCapacity int) StorageDecorator {
	return func(ctx context.Context, storageConfig *storagebackend.Config, requestedSize *int, objectType runtime.Object,
		resourcePrefix string, keyFunc func(obj runtime.Object) (string, error), newListFunc func() runtime.Object,
		getAttrsFunc storage.AttrFunc) (storage.Interface, DestroyFunc, error) {
		capacity := defaultCapacity
		if requestedSize != nil {
			if *requestedSize == 0 {
				// Upstream panics here; v1.8 made a zero size mean no cache.
				return nil, nil, fmt.Errorf("StorageWithCacher must not be called with zero cache size")
			}
			capacity = *requestedSize
		}
		// --8<-- [start:cacher]
		s, d, err := NewRawStorage(ctx, storageConfig)
		if err != nil {
			return nil, nil, err
		}
		cacher := storage.NewCacherFromConfig(ctx, storage.CacherConfig{
			CacheCapacity:  capacity,
			Storage:        s,
			Versioner:      storage.APIObjectVersioner{},
			Type:           objectType,
			ResourcePrefix: resourcePrefix,
			KeyFunc:        keyFunc,
			NewListFunc:    newListFunc,
			GetAttrsFunc:   getAttrsFunc,
			Release:        d,
		})
		return cacher, func() {
			cacher.Stop()
			d()
		}, nil
		// --8<-- [end:cacher]
	}
}
