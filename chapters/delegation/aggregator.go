package delegation

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/aggregator"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/trace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	aggregatorGo = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/aggregator.go", Ref: "v1.7.0", Chapter: "aggregator",
	}
	upstreamCreateAggregatorConfig = aggregatorGo.Func("app.createAggregatorConfig")
	upstreamCreateAggregatorServer = aggregatorGo.Func("app.createAggregatorServer")
	// The hook kube-apiserver-autoregistration: createAggregatorServer's
	// first func literal.
	upstreamCreateAggregatorServerFunc1 = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/aggregator.go", Ref: "v1.7.3", Chapter: "hooks",
	}.Func("app.createAggregatorServer.func1")
)

// CreateAggregatorConfig returns the aggregator's config: a copy of
// kubeAPIServerConfig, the generic config, storing its objects as the
// generic server does (SimpleRestOptionsFactory), not through
// kube-apiserver's storage factory, and externalInformers,
// kube-apiserver's informers of Services and Endpoints.
func CreateAggregatorConfig(ctx context.Context, kubeAPIServerConfig server.Config, commandOptions *options.ServerRunOptions,
	externalInformers *informers.SharedInformerFactory) (_ *aggregator.Config, err error) {
	_, end := trace.Step(ctx, upstreamCreateAggregatorConfig)
	defer end(&err)

	genericConfig := kubeAPIServerConfig
	// A copy of the etcd options, so that the aggregator's changes stay
	// its own: its objects are kept below apiregistration.k8s.io/, in JSON.
	etcdOptions := *commandOptions.Etcd
	genericConfig.RESTOptionsGetter = &options.SimpleRestOptionsFactory{Options: etcdOptions}
	return &aggregator.Config{GenericConfig: &genericConfig, CoreKubeInformers: externalInformers}, nil
}

// CreateAggregatorServer builds the aggregator on delegateAPIServer, the
// kube-apiserver server in app.Run, and has it register an APIService for
// every group version its delegates serve that upstream ranks: the hook
// kube-apiserver-autoregistration starts the controller that creates
// them, and the health check autoregister-completion fails until each is
// Available. kubeInformers and apiExtensionInformers are where upstream's
// third-party-resource registration finds its informers; the walkthrough
// does not run it.
func CreateAggregatorServer(ctx context.Context, aggregatorConfig *aggregator.Config, delegateAPIServer server.DelegationTarget,
	kubeInformers, apiExtensionInformers *informers.SharedInformerFactory) (_ *aggregator.APIAggregator, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateAggregatorServer)
	defer end(&err)

	// --8<-- [start:aggregator]
	aggregatorServer, err := aggregatorConfig.Complete().NewWithDelegate(ctx, delegateAPIServer)
	if err != nil {
		return nil, err
	}

	// The controller that keeps the APIServices of the delegates' groups.
	autoRegistrationController := aggregator.NewAutoRegisterController(aggregatorServer.APIServiceInformer, aggregatorServer.APIServiceClient)
	apiServices := apiServicesToRegister(ctx, delegateAPIServer, autoRegistrationController)

	aggregatorServer.GenericAPIServer.AddPostStartHook(ctx, "kube-apiserver-autoregistration", func(ctx context.Context, hookContext server.PostStartHookContext) error {
		trace.Mirroring(ctx, upstreamCreateAggregatorServerFunc1)
		trace.Go(ctx, "autoregister controller", func(ctx context.Context) {
			autoRegistrationController.Run(ctx, 5, hookContext.StopCh)
		})
		return nil
	})
	aggregatorServer.GenericAPIServer.AddHealthzChecks(healthz.NamedCheck("autoregister-completion", func(*http.Request) error {
		return autoregisterCompletion(aggregatorServer.APIServiceLister(), apiServices)
	}))
	// --8<-- [end:aggregator]
	logServer(ctx, aggregatorServer.GenericAPIServer, apiregistration.SchemeGroupVersion.String()+" and /apis", delegateAPIServer)
	return aggregatorServer, nil
}

// autoregisterCompletion fails, naming them, while any of apiServices
// is not listed as Available.
func autoregisterCompletion(lister *apiregistration.APIServiceLister, apiServices []*apiregistration.APIService) error {
	items, err := lister.List(labels.Everything())
	if err != nil {
		return err
	}
	// --8<-- [start:completion]
	missing := []apiregistration.APIService{}
	for _, apiService := range apiServices {
		found := false
		for _, item := range items {
			if item.Name == apiService.Name && apiregistration.IsAPIServiceConditionTrue(item, apiregistration.Available) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, *apiService)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing APIService: %v", missing)
	}
	// --8<-- [end:completion]
	return nil
}

// priority ranks an APIService: its group among groups, its version
// within the group.
type priority struct {
	group   int32
	version int32
}

// apiVersionPriorities are upstream's v1.7.3 priorities of the group
// versions kube-apiserver may serve; a group version not here gets no
// APIService.
var apiVersionPriorities = map[schema.GroupVersion]priority{
	{Group: "", Version: "v1"}:                                   {group: 18000, version: 1},
	{Group: "extensions", Version: "v1beta1"}:                    {group: 17900, version: 1},
	{Group: "apps", Version: "v1beta1"}:                          {group: 17800, version: 1},
	{Group: "authentication.k8s.io", Version: "v1"}:              {group: 17700, version: 15},
	{Group: "authentication.k8s.io", Version: "v1beta1"}:         {group: 17700, version: 9},
	{Group: "authorization.k8s.io", Version: "v1"}:               {group: 17600, version: 15},
	{Group: "authorization.k8s.io", Version: "v1beta1"}:          {group: 17600, version: 9},
	{Group: "autoscaling", Version: "v1"}:                        {group: 17500, version: 15},
	{Group: "autoscaling", Version: "v2alpha1"}:                  {group: 17500, version: 9},
	{Group: "batch", Version: "v1"}:                              {group: 17400, version: 15},
	{Group: "batch", Version: "v2alpha1"}:                        {group: 17400, version: 9},
	{Group: "certificates.k8s.io", Version: "v1beta1"}:           {group: 17300, version: 9},
	{Group: "networking.k8s.io", Version: "v1"}:                  {group: 17200, version: 15},
	{Group: "policy", Version: "v1beta1"}:                        {group: 17100, version: 9},
	{Group: "rbac.authorization.k8s.io", Version: "v1beta1"}:     {group: 17000, version: 12},
	{Group: "rbac.authorization.k8s.io", Version: "v1alpha1"}:    {group: 17000, version: 9},
	{Group: "settings.k8s.io", Version: "v1alpha1"}:              {group: 16900, version: 9},
	{Group: "storage.k8s.io", Version: "v1"}:                     {group: 16800, version: 15},
	{Group: "storage.k8s.io", Version: "v1beta1"}:                {group: 16800, version: 9},
	{Group: "apiextensions.k8s.io", Version: "v1beta1"}:          {group: 16700, version: 9},
	{Group: "admissionregistration.k8s.io", Version: "v1alpha1"}: {group: 16700, version: 9},
}

// makeAPIService returns the local APIService of gv, or nil, saying so,
// when gv has no priority.
func makeAPIService(ctx context.Context, gv schema.GroupVersion) *apiregistration.APIService {
	apiServicePriority, ok := apiVersionPriorities[gv]
	if !ok {
		trace.Log(ctx).Info().Msgf("Skipping APIService creation for %v", gv)
		return nil
	}
	return &apiregistration.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: gv.Version + "." + gv.Group},
		Spec: apiregistration.APIServiceSpec{
			Group:                gv.Group,
			Version:              gv.Version,
			GroupPriorityMinimum: apiServicePriority.group,
			VersionPriority:      apiServicePriority.version,
		},
	}
}

// apiServicesToRegister asks registration to keep an APIService for
// /api/v1 and for every /apis/<group>/<version> the delegate lists, and
// returns them.
func apiServicesToRegister(ctx context.Context, delegateAPIServer server.DelegationTarget, registration aggregator.AutoAPIServiceRegistration) []*apiregistration.APIService {
	// --8<-- [start:toregister]
	apiServices := []*apiregistration.APIService{}
	for _, curr := range delegateAPIServer.ListedPaths() {
		if curr == "/api/v1" {
			apiService := makeAPIService(ctx, schema.GroupVersion{Group: "", Version: "v1"})
			registration.AddAPIServiceToSync(apiService)
			apiServices = append(apiServices, apiService)
			continue
		}
		if !strings.HasPrefix(curr, "/apis/") {
			continue
		}
		// /apis/<group>/<version> splits into four: "", "apis", group, version.
		tokens := strings.Split(curr, "/")
		if len(tokens) != 4 {
			continue
		}
		apiService := makeAPIService(ctx, schema.GroupVersion{Group: tokens[2], Version: tokens[3]})
		if apiService == nil {
			continue
		}
		registration.AddAPIServiceToSync(apiService)
		apiServices = append(apiServices, apiService)
	}
	// --8<-- [end:toregister]
	return apiServices
}
