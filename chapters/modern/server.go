package modern

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"

	aggregatorapiserver "github.com/kubewalk/kubewalk/chapters/aggregator"
	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/delegation"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Ref is the kubernetes/kubernetes commit the modern command mirrors.
const Ref = "4b936928938fdc6141cd1661b2265e43c5c158c2"

var (
	serverGo = trace.UpstreamFile{Path: "cmd/kube-apiserver/app/server.go", Ref: Ref, Chapter: "then-and-now"}
	configGo = trace.UpstreamFile{Path: "cmd/kube-apiserver/app/config.go", Ref: Ref, Chapter: "then-and-now"}

	upstreamRun                  = serverGo.Func("app.Run")
	upstreamCreateServerChain    = serverGo.Func("app.CreateServerChain")
	upstreamCreateProxyTransport = serverGo.Func("app.CreateProxyTransport")
	upstreamNewConfig            = configGo.Func("app.NewConfig")
	upstreamComplete             = configGo.Func("app.Config.Complete")
)

// Run builds the configuration of the three servers, then the chain,
// prepares it and serves the secure port until stopCh is closed and the
// shutdown the lifecycle signals order is over; then it returns nil. It
// returns an error, without blocking, when a step fails.
func Run(ctx context.Context, opts *options.ServerRunOptions, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRun)
	defer end(&err)

	// --8<-- [start:run]
	// To help debugging, immediately log version
	trace.Log(ctx).Info().Msgf("Version: %+v", config.Version)

	trace.Log(ctx).Info().Str("GOGC", os.Getenv("GOGC")).Str("GOMAXPROCS", os.Getenv("GOMAXPROCS")).
		Str("GOTRACEBACK", os.Getenv("GOTRACEBACK")).Msg("Golang settings")

	config, err := NewConfig(ctx, opts)
	if err != nil {
		return err
	}
	completed, err := config.Complete(ctx)
	if err != nil {
		return err
	}
	server, err := CreateServerChain(ctx, completed)
	if err != nil {
		return err
	}

	prepared := server.GenericAPIServer.PrepareRun(ctx)

	return prepared.Run(ctx, stopCh)
	// --8<-- [end:run]
}

// Config is the configuration of the three servers, built before any of
// them.
type Config struct {
	Options *options.ServerRunOptions

	Aggregator    *aggregatorapiserver.Config
	KubeAPIs      *config.MasterConfig
	ApiExtensions *delegation.APIExtensionsConfig //lint:ignore ST1003 upstream's name

	// kube-apiserver's informer factories, which the post-start hooks
	// start (upstream keeps them in KubeAPIs' extra config).
	SharedInformers, VersionedInformers *informers.SharedInformerFactory
}

// CompletedConfig is a Config that Complete has filled in.
type CompletedConfig struct {
	*Config
}

// NewConfig builds the configuration of kube-apiserver, then that of the
// apiextensions server and of the aggregator, both copies of its generic
// config, and runs nothing. The secure port is bound in it
// (SecureServingOptions.ApplyTo, from v1.9).
func NewConfig(ctx context.Context, opts *options.ServerRunOptions) (_ *Config, err error) {
	ctx, end := trace.Step(ctx, upstreamNewConfig)
	defer end(&err)

	// --8<-- [start:newconfig]
	c := &Config{
		Options: opts,
	}

	kubeAPIs, sharedInformers, versionedInformers, _, err := config.CreateKubeAPIServerConfig(ctx, opts, nil, CreateProxyTransport(ctx))
	if err != nil {
		return nil, err
	}
	c.KubeAPIs, c.SharedInformers, c.VersionedInformers = kubeAPIs, sharedInformers, versionedInformers

	apiExtensions, err := delegation.CreateAPIExtensionsConfig(ctx, *kubeAPIs.GenericConfig, opts)
	if err != nil {
		return nil, err
	}
	c.ApiExtensions = apiExtensions

	aggregator, err := delegation.CreateAggregatorConfig(ctx, *kubeAPIs.GenericConfig, opts, versionedInformers)
	if err != nil {
		return nil, err
	}
	c.Aggregator = aggregator

	return c, nil
	// --8<-- [end:newconfig]
}

// Complete completes the three configurations; the walkthrough's servers
// complete theirs in New, so nothing is left to do here.
func (c *Config) Complete(ctx context.Context) (CompletedConfig, error) {
	_, end := trace.Step(ctx, upstreamComplete)
	defer end(nil)
	return CompletedConfig{c}, nil
}

// CreateProxyTransport is the transport the API server proxies to nodes,
// pods and services with: what replaced CreateNodeDialer once SSH tunnels
// went; no special dialer, and no check of the nodes' certificates.
func CreateProxyTransport(ctx context.Context) *http.Transport {
	_, end := trace.Step(ctx, upstreamCreateProxyTransport)
	defer end(nil)

	// Proxying to pods and services is IP-based... don't expect to be able to verify the hostname
	proxyTLSClientConfig := &tls.Config{InsecureSkipVerify: true}
	return utilnet.SetTransportDefaults(&http.Transport{
		TLSClientConfig: proxyTLSClientConfig,
	})
}

// CreateServerChain builds the three servers on their configurations,
// apiextensions-apiserver, kube-apiserver and kube-aggregator, each
// delegating to the one before, and returns the aggregator. It starts
// nothing: no listener, no insecure port.
func CreateServerChain(ctx context.Context, config CompletedConfig) (_ *aggregatorapiserver.APIAggregator, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateServerChain)
	defer end(&err)

	if v := os.Getenv("KUBE_API_VERSIONS"); v != "" {
		trace.Log(ctx).Warn().Str("KUBE_API_VERSIONS", v).
			Str(trace.LogNoteKey, lang.Say(ctx, "v1.11 removed KUBE_API_VERSIONS (PR #63165): the chain is built with the aggregator as always")).
			Msg(lang.Say(ctx, "KUBE_API_VERSIONS is set, and ignored"))
	}

	// --8<-- [start:chain]
	notFoundHandler := http.NotFoundHandler() // upstream: notfoundhandler.New(…)
	apiExtensionsServer, err := delegation.CreateAPIExtensionsServer(ctx, config.ApiExtensions, server.NewEmptyDelegateWithCustomHandler(notFoundHandler))
	if err != nil {
		return nil, err
	}

	kubeAPIServer, err := delegation.CreateKubeAPIServer(ctx, config.KubeAPIs, apiExtensionsServer.GenericAPIServer, config.SharedInformers)
	if err != nil {
		return nil, err
	}

	// aggregator comes last in the chain
	aggregatorServer, err := delegation.CreateAggregatorServer(ctx, config.Aggregator, kubeAPIServer.GenericAPIServer, config.SharedInformers, apiExtensionsServer.Informers)
	if err != nil {
		// we don't need special handling for innerStopCh because the aggregator server doesn't create any go routines
		return nil, err
	}

	return aggregatorServer, nil
	// --8<-- [end:chain]
}
