package delegation

import (
	"context"
	"errors"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/trace"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	apiextensionsGo = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/apiextensions.go", Ref: "v1.7.0", Chapter: "apiextensions",
	}
	upstreamCreateAPIExtensionsConfig = apiextensionsGo.Func("app.createAPIExtensionsConfig")
	upstreamCreateAPIExtensionsServer = apiextensionsGo.Func("app.createAPIExtensionsServer")
)

// APIExtensionsConfig configures the apiextensions server.
type APIExtensionsConfig struct {
	GenericConfig *server.Config
	// Break makes CreateAPIExtensionsServer fail (--break=apiextensions).
	Break bool
}

// CustomResourceDefinitions is the apiextensions server: it serves
// apiextensions.k8s.io/v1beta1.
type CustomResourceDefinitions struct {
	GenericAPIServer *server.GenericAPIServer
	// Informers holds the server's informers, which its hook
	// start-apiextensions-informers starts; the aggregator may ask it for
	// more.
	Informers *informers.SharedInformerFactory
}

// upstreamApiextensionsNewFunc1 is the hook start-apiextensions-informers:
// the first func literal of apiextensions-apiserver's completedConfig.New.
var upstreamApiextensionsNewFunc1 = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/apiserver.go", Ref: "v1.7.3", Chapter: "hooks",
}.Func("apiserver.completedConfig.New.func1")

// apiextensionsGroup is the group version apiextensions serves.
var apiextensionsGroup = schema.GroupVersion{Group: "apiextensions.k8s.io", Version: "v1beta1"}

// CreateAPIExtensionsConfig returns the apiextensions server's config: a
// copy of kubeAPIServerConfig, the generic config, so that the two
// servers can differ without touching each other's settings, storing its
// objects as the generic server does (SimpleRestOptionsFactory), not
// through kube-apiserver's storage factory.
func CreateAPIExtensionsConfig(ctx context.Context, kubeAPIServerConfig server.Config, commandOptions *options.ServerRunOptions) (_ *APIExtensionsConfig, err error) {
	_, end := trace.Step(ctx, upstreamCreateAPIExtensionsConfig)
	defer end(&err)

	genericConfig := kubeAPIServerConfig
	// A copy of the etcd options, so that the apiextensions server's
	// changes stay its own: its objects are kept below
	// apiextensions.k8s.io/, in JSON.
	etcdOptions := *commandOptions.Etcd
	genericConfig.RESTOptionsGetter = &options.SimpleRestOptionsFactory{Options: etcdOptions}
	return &APIExtensionsConfig{GenericConfig: &genericConfig, Break: commandOptions.Break == options.BreakAPIExtensions}, nil
}

// CreateAPIExtensionsServer builds the apiextensions server on delegate,
// which in app.Run is server.EmptyDelegate: it is the innermost server,
// and what it does not serve is answered 404.
func CreateAPIExtensionsServer(ctx context.Context, apiextensionsConfig *APIExtensionsConfig, delegateAPIServer server.DelegationTarget) (_ *CustomResourceDefinitions, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateAPIExtensionsServer)
	defer end(&err)

	if apiextensionsConfig.Break {
		return nil, errors.New("--break=apiextensions: the apiextensions server could not be built")
	}
	// --8<-- [start:apiextensions]
	genericServer, err := apiextensionsConfig.GenericConfig.Complete().New(ctx, "apiextensions-apiserver", delegateAPIServer)
	if err != nil {
		return nil, err
	}
	err = genericServer.InstallAPIGroup(ctx, &endpoints.APIGroupInfo{
		GroupVersion: apiextensionsGroup,
		Resources: []endpoints.Resource{{
			Name: "customresourcedefinitions", Kind: "CustomResourceDefinition", ShortNames: []string{"crd", "crds"},
		}},
	})
	if err != nil {
		return nil, err
	}
	// --8<-- [end:apiextensions]
	s := &CustomResourceDefinitions{GenericAPIServer: genericServer}
	// A resync of five minutes, as upstream's.
	s.Informers = informers.NewSharedInformerFactory("apiextensions-apiserver", nil, 5*time.Minute)
	// --8<-- [start:hook]
	genericServer.AddPostStartHook(ctx, "start-apiextensions-informers", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, upstreamApiextensionsNewFunc1)
		s.Informers.Start(ctx, hookContext.StopCh)
		return nil
	})
	// --8<-- [end:hook]
	logServer(ctx, genericServer, apiextensionsGroup.String(), delegateAPIServer)
	return s, nil
}
