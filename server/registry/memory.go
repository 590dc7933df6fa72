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
// (ours: upstream builds RESTOptions from its etcd options). The backend's
// keys are Prefix, then the resource prefix: <resource> for the core
// group, <group>/<resource> for named groups, as v1.7's kube-apiserver,
// apiextensions server and aggregator lay out etcd
// (/registry/namespaces/<name>).
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
		ResourcePrefix: path.Join(resource.Group, resource.Resource),
		Decorator: func(codec runtime.Codec, resourcePrefix string) (storage.Interface, DestroyFunc) {
			return memory.New(g.Backend, codec, prefix), func() {}
		},
	}, nil
}
