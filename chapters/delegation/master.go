package delegation

import (
	"context"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/registry/core/namespace"
	"github.com/kubewalk/kubewalk/trace"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

var upstreamCreateKubeAPIServer = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "kubeapiserver",
}.Func("app.CreateKubeAPIServer")

// Master is the kube-apiserver server: it serves the legacy core group at
// /api (upstream's master.Master).
type Master struct {
	GenericAPIServer *server.GenericAPIServer
}

// CreateKubeAPIServer builds the kube-apiserver server on
// delegateAPIServer, the apiextensions server in app.Run: /api and
// /api/v1 with namespaces, and everything else handed to the delegate.
func CreateKubeAPIServer(ctx context.Context, kubeAPIServerConfig *config.MasterConfig, delegateAPIServer server.DelegationTarget) (_ *Master, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateKubeAPIServer)
	defer end(&err)

	// --8<-- [start:kubeapiserver]
	genericServer, err := kubeAPIServerConfig.GenericConfig.Complete().New("kube-apiserver", delegateAPIServer)
	if err != nil {
		return nil, err
	}
	if err := genericServer.InstallLegacyAPIGroup(ctx, server.DefaultLegacyAPIPrefix, legacyAPIGroupInfo(kubeAPIServerConfig)); err != nil {
		return nil, err
	}
	// --8<-- [end:kubeapiserver]
	logServer(ctx, genericServer, "v1 (at /api)", delegateAPIServer)
	return &Master{GenericAPIServer: genericServer}, nil
}

// legacyAPIGroupInfo is the core group: namespaces, typed with
// k8s.io/api/core/v1, so they speak JSON, YAML and protobuf, and stored
// with the watch cache size the config gives them.
func legacyAPIGroupInfo(c *config.MasterConfig) *endpoints.APIGroupInfo {
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	return &endpoints.APIGroupInfo{
		GroupVersion: corev1.SchemeGroupVersion,
		Scheme:       scheme,
		Resources: []endpoints.Resource{{
			Name:       "namespaces",
			Kind:       "Namespace",
			ShortNames: []string{"ns"},
			New:        func() runtime.Object { return &corev1.Namespace{} },
			NewList:    func() runtime.Object { return &corev1.NamespaceList{} },
			Strategy:   namespace.NewStrategy(scheme),
			// --8<-- [start:watchcachesize]
			WatchCacheSize: c.WatchCacheSizes.Get("namespaces"),
			// --8<-- [end:watchcachesize]
		}},
	}
}
