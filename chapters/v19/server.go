package v19

import (
	"context"
	"os"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/delegation"
	"github.com/kubewalk/kubewalk/chapters/nodedialer"
	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var (
	serverGo = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.9.0", Chapter: "then-and-now",
	}
	upstreamRun               = serverGo.Func("app.Run")
	upstreamCreateServerChain = serverGo.Func("app.CreateServerChain")
)

// Run builds the delegation chain with CreateServerChain, which also
// serves the insecure port, then serves the secure port with the chain's
// PrepareRun().Run until stopCh is closed, the pre-shutdown hooks have run
// and the requests in flight have been answered; then it returns nil. It
// returns an error, without blocking, when a step fails.
func Run(ctx context.Context, runOptions *options.ServerRunOptions, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRun)
	defer end(&err)

	// --8<-- [start:run]
	// To help debugging, immediately log version
	trace.Log(ctx).Info().Msgf("Version: %+v", config.Version)

	server, err := CreateServerChain(ctx, runOptions, stopCh)
	if err != nil {
		return err
	}

	return server.PrepareRun(ctx).Run(ctx, stopCh)
	// --8<-- [end:run]
}

// CreateServerChain builds the three servers, apiextensions-apiserver,
// kube-apiserver and kube-aggregator, each delegating to the one before,
// serves the insecure port, and returns the outermost server for Run to
// serve on the secure port. With KUBE_API_VERSIONS set it stops after
// kube-apiserver: no aggregator, and kube-apiserver is returned.
func CreateServerChain(ctx context.Context, runOptions *options.ServerRunOptions, stopCh <-chan struct{}) (_ *server.GenericAPIServer, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateServerChain)
	defer end(&err)

	// --8<-- [start:chain]
	nodeTunneler, proxyTransport, err := nodedialer.CreateNodeDialer(ctx, runOptions)
	if err != nil {
		return nil, err
	}
	kubeAPIServerConfig, sharedInformers, versionedInformers, insecureServingOptions, err := config.CreateKubeAPIServerConfig(ctx, runOptions, nodeTunneler, proxyTransport)
	if err != nil {
		return nil, err
	}

	apiExtensionsConfig, err := delegation.CreateAPIExtensionsConfig(ctx, *kubeAPIServerConfig.GenericConfig, runOptions)
	if err != nil {
		return nil, err
	}
	apiExtensionsServer, err := delegation.CreateAPIExtensionsServer(ctx, apiExtensionsConfig, server.EmptyDelegate)
	if err != nil {
		return nil, err
	}
	kubeAPIServer, err := delegation.CreateKubeAPIServer(ctx, kubeAPIServerConfig, apiExtensionsServer.GenericAPIServer, sharedInformers)
	if err != nil {
		return nil, err
	}

	// if we're starting up a hacked up version of this API server for a weird test case,
	// just start the API server as is because clients don't get built correctly when you do this
	if len(os.Getenv("KUBE_API_VERSIONS")) > 0 {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "KUBE_API_VERSIONS is set: upstream skips the aggregator and serves kube-apiserver directly.")).
			Msg(lang.Say(ctx, "KUBE_API_VERSIONS is set, not creating the aggregator"))
		if insecureServingOptions != nil {
			insecureHandlerChain := nonblockingrun.BuildInsecureHandlerChain(ctx, kubeAPIServer.GenericAPIServer.UnprotectedHandler(), kubeAPIServerConfig.GenericConfig)
			if err := NonBlockingRun(ctx, insecureServingOptions, insecureHandlerChain, kubeAPIServerConfig.GenericConfig.RequestTimeout, stopCh); err != nil {
				return nil, err
			}
		}
		return kubeAPIServer.GenericAPIServer, nil
	}

	// otherwise go down the normal path of standing the aggregator up in front of the API server
	// this wires up openapi
	kubeAPIServer.GenericAPIServer.PrepareRun(ctx)
	// This will wire up openapi for extension api server
	apiExtensionsServer.GenericAPIServer.PrepareRun(ctx)

	// aggregator comes last in the chain
	aggregatorConfig, err := delegation.CreateAggregatorConfig(ctx, *kubeAPIServerConfig.GenericConfig, runOptions, versionedInformers)
	if err != nil {
		return nil, err
	}
	aggregatorServer, err := delegation.CreateAggregatorServer(ctx, aggregatorConfig, kubeAPIServer.GenericAPIServer, sharedInformers, apiExtensionsServer.Informers)
	if err != nil {
		// we don't need special handling for innerStopCh because the aggregator server doesn't create any go routines
		return nil, err
	}

	if insecureServingOptions != nil {
		insecureHandlerChain := nonblockingrun.BuildInsecureHandlerChain(ctx, aggregatorServer.GenericAPIServer.UnprotectedHandler(), kubeAPIServerConfig.GenericConfig)
		if err := NonBlockingRun(ctx, insecureServingOptions, insecureHandlerChain, kubeAPIServerConfig.GenericConfig.RequestTimeout, stopCh); err != nil {
			return nil, err
		}
	}

	return aggregatorServer.GenericAPIServer, nil
	// --8<-- [end:chain]
}
