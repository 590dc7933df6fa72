package delegation

import (
	"context"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/trace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	aggregatorGo = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/aggregator.go", Ref: "v1.7.0", Chapter: "aggregator",
	}
	upstreamCreateAggregatorConfig = aggregatorGo.Func("app.createAggregatorConfig")
	upstreamCreateAggregatorServer = aggregatorGo.Func("app.createAggregatorServer")
)

// AggregatorConfig configures the aggregator.
type AggregatorConfig struct {
	GenericConfig *server.Config
}

// APIAggregator is the aggregator: it serves apiregistration.k8s.io/v1beta1
// and /apis for the whole chain.
type APIAggregator struct {
	GenericAPIServer *server.GenericAPIServer
}

// apiregistrationGroup is the group version the aggregator serves.
var apiregistrationGroup = schema.GroupVersion{Group: "apiregistration.k8s.io", Version: "v1beta1"}

// CreateAggregatorConfig returns the aggregator's config: a copy of
// kubeAPIServerConfig, the generic config, storing its objects as the
// generic server does (SimpleRestOptionsFactory), not through
// kube-apiserver's storage factory.
func CreateAggregatorConfig(ctx context.Context, kubeAPIServerConfig server.Config, commandOptions *options.ServerRunOptions) (_ *AggregatorConfig, err error) {
	_, end := trace.Step(ctx, upstreamCreateAggregatorConfig)
	defer end(&err)

	genericConfig := kubeAPIServerConfig
	// A copy of the etcd options, so that the aggregator's changes stay
	// its own: its objects are kept below apiregistration.k8s.io/, in JSON.
	etcdOptions := *commandOptions.Etcd
	genericConfig.RESTOptionsGetter = &options.SimpleRestOptionsFactory{Options: etcdOptions}
	return &AggregatorConfig{GenericConfig: &genericConfig}, nil
}

// CreateAggregatorServer builds the aggregator on delegateAPIServer, the
// kube-apiserver server in app.Run. Its /apis lists its own group first,
// then every group version its delegates list at /apis/<group>/<version>.
func CreateAggregatorServer(ctx context.Context, aggregatorConfig *AggregatorConfig, delegateAPIServer server.DelegationTarget) (_ *APIAggregator, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateAggregatorServer)
	defer end(&err)

	// --8<-- [start:aggregator]
	// The aggregator wires its own discovery, as kube-aggregator's Complete does.
	aggregatorConfig.GenericConfig.EnableDiscovery = false
	genericServer, err := aggregatorConfig.GenericConfig.Complete().New("kube-aggregator", delegateAPIServer)
	if err != nil {
		return nil, err
	}
	info := &endpoints.APIGroupInfo{
		GroupVersion: apiregistrationGroup,
		Resources:    []endpoints.Resource{{Name: "apiservices", Kind: "APIService"}},
	}
	if err := genericServer.InstallAPIGroup(ctx, info); err != nil {
		return nil, err
	}
	groups := append([]metav1.APIGroup{info.APIGroup()}, apiServicesToRegister(delegateAPIServer)...)
	genericServer.Handler.NonGoRestfulMux.Handle(server.APIGroupPrefix, endpoints.GroupsHandler(func() []metav1.APIGroup { return groups }))
	// --8<-- [end:aggregator]
	logServer(ctx, genericServer, apiregistrationGroup.String()+" and /apis", delegateAPIServer)
	return &APIAggregator{GenericAPIServer: genericServer}, nil
}

// apiServicesToRegister returns the groups the delegate chain serves, one
// per /apis/<group>/<version> path it lists, in the order of the paths
// (upstream registers an APIService for each such path).
func apiServicesToRegister(delegateAPIServer server.DelegationTarget) []metav1.APIGroup {
	var groups []metav1.APIGroup
	for _, path := range delegateAPIServer.ListedPaths() {
		parts := strings.Split(strings.TrimPrefix(path, server.APIGroupPrefix+"/"), "/")
		if !strings.HasPrefix(path, server.APIGroupPrefix+"/") || len(parts) != 2 {
			continue
		}
		gv := schema.GroupVersion{Group: parts[0], Version: parts[1]}
		version := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
		i := slices.IndexFunc(groups, func(g metav1.APIGroup) bool { return g.Name == gv.Group })
		if i < 0 {
			groups = append(groups, metav1.APIGroup{Name: gv.Group, PreferredVersion: version})
			i = len(groups) - 1
		}
		groups[i].Versions = append(groups[i].Versions, version)
	}
	return groups
}
