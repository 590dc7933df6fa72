package registry

import (
	"path"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultPrefix is where the objects are stored, as etcd's
// --etcd-prefix defaults to.
const DefaultPrefix = "/registry"

// MemoryRESTOptionsGetter keeps every resource on one in-memory Backend
// (ours: upstream builds RESTOptions from its etcd options). Resources of
// the core group are stored below Prefix/<resource>, those of named
// groups below Prefix/<group>/<resource>, as v1.7's kube-apiserver,
// apiextensions server and aggregator do.
type MemoryRESTOptionsGetter struct {
	Backend *memory.Backend
	Prefix  string // DefaultPrefix when empty
}

// GetRESTOptions implements RESTOptionsGetter.
func (g MemoryRESTOptionsGetter) GetRESTOptions(resource schema.GroupResource) (RESTOptions, error) {
	prefix := g.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return RESTOptions{
		ResourcePrefix: path.Join(prefix, resource.Group, resource.Resource),
		Decorator: func(codec runtime.Codec, resourcePrefix string) (storage.Interface, DestroyFunc) {
			return memory.New(g.Backend, codec, resourcePrefix), func() {}
		},
	}, nil
}
