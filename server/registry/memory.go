package registry

import (
	"context"
	"path"

	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultPrefix is where the objects are stored, as etcd's
// --etcd-prefix defaults to.
const DefaultPrefix = "/registry"

// MemoryRESTOptionsGetter keeps every resource on one in-memory Backend,
// without a watch cache: the getter a server.Config has until the etcd
// options apply theirs (ours: upstream always builds RESTOptions from its
// etcd options). The backend's keys are Prefix, then the resource prefix:
// <resource> for the core group, <group>/<resource> for named groups, as
// v1.7's kube-apiserver, apiextensions server and aggregator lay out etcd
// (/registry/namespaces/<name>).
type MemoryRESTOptionsGetter struct {
	Backend *memory.Backend
	Prefix  string // DefaultPrefix when empty
}

// GetRESTOptions implements RESTOptionsGetter.
func (g MemoryRESTOptionsGetter) GetRESTOptions(_ context.Context, resource schema.GroupResource) (RESTOptions, error) {
	prefix := g.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return RESTOptions{
		StorageConfig:  &storagebackend.Config{Prefix: prefix, Memory: g.Backend},
		Decorator:      UndecoratedStorage,
		ResourcePrefix: path.Join(resource.Group, resource.Resource),
	}, nil
}
