package registry

import (
	"github.com/kubewalk/kubewalk/server/storage"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RESTOptions says where one resource is stored.
type RESTOptions struct {
	// ResourcePrefix is the key prefix of the resource's objects below the
	// storage's own prefix, such as "namespaces".
	ResourcePrefix string
	// Decorator returns the storage of the resource's objects, encoded
	// with codec, whose keys the Store builds below "/"+resourcePrefix,
	// and the function that releases it.
	Decorator StorageDecorator
}

// StorageDecorator builds a resource's storage.
type StorageDecorator func(codec runtime.Codec, resourcePrefix string) (storage.Interface, DestroyFunc)

// DestroyFunc releases what a storage holds (its clients, its watch
// cache's goroutines). v1.7 calls it only in tests.
type DestroyFunc func()

// RESTOptionsGetter gives each resource its RESTOptions. A server's
// config holds one, shared by every server of the delegation chain.
type RESTOptionsGetter interface {
	GetRESTOptions(resource schema.GroupResource) (RESTOptions, error)
}
