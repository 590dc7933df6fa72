package app

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

var upstreamRun = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "options",
}.Func("app.Run")

// Run builds the delegation chain from runOptions, serves it on the
// insecure and the secure port, and blocks until stopCh is closed; then it
// returns nil. It returns an error, without blocking, when a step fails,
// such as a port already in use. Run does not wait for the serving
// goroutines to end: closing stopCh starts their shutdown, and the kit in
// ctx counts them.
func Run(ctx context.Context, runOptions *options.ServerRunOptions, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRun)
	defer end(&err)

	// --8<-- [start:run]
	// To help debugging, log the version first.
	trace.Log(ctx).Info().Msgf("Version: %+v", config.Version)

	nodeTunneler, proxyTransport, err := nodedialer.CreateNodeDialer(ctx, runOptions)
	if err != nil {
		return err
	}
	kubeAPIServerConfig, sharedInformers, versionedInformers, insecureServingOptions, err := config.CreateKubeAPIServerConfig(ctx, runOptions, nodeTunneler, proxyTransport)
	if err != nil {
		return err
	}

	apiExtensionsConfig, err := delegation.CreateAPIExtensionsConfig(ctx, *kubeAPIServerConfig.GenericConfig, runOptions)
	if err != nil {
		return err
	}
	apiExtensionsServer, err := delegation.CreateAPIExtensionsServer(ctx, apiExtensionsConfig, server.EmptyDelegate)
	if err != nil {
		return err
	}
	kubeAPIServer, err := delegation.CreateKubeAPIServer(ctx, kubeAPIServerConfig, apiExtensionsServer.GenericAPIServer, sharedInformers)
	if err != nil {
		return err
	}

	// A hacked-up server for a test case: serve kube-apiserver as it is.
	if len(os.Getenv("KUBE_API_VERSIONS")) > 0 {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "KUBE_API_VERSIONS is set: upstream skips the aggregator and serves kube-apiserver directly.")).
			Msg(lang.Say(ctx, "KUBE_API_VERSIONS is set, not creating the aggregator"))
		if insecureServingOptions != nil {
			insecureHandlerChain := nonblockingrun.BuildInsecureHandlerChain(ctx, kubeAPIServer.GenericAPIServer.UnprotectedHandler(), kubeAPIServerConfig.GenericConfig)
			if err := nonblockingrun.NonBlockingRun(ctx, insecureServingOptions, insecureHandlerChain, stopCh); err != nil {
				return err
			}
		}
		return kubeAPIServer.GenericAPIServer.PrepareRun(ctx).Run(ctx, stopCh)
	}
	kubeAPIServer.GenericAPIServer.PrepareRun(ctx)

	// The aggregator comes last in the chain.
	aggregatorConfig, err := delegation.CreateAggregatorConfig(ctx, *kubeAPIServerConfig.GenericConfig, runOptions, versionedInformers)
	if err != nil {
		return err
	}
	aggregatorServer, err := delegation.CreateAggregatorServer(ctx, aggregatorConfig, kubeAPIServer.GenericAPIServer, sharedInformers, apiExtensionsServer.Informers)
	if err != nil {
		// No cleanup needed: the aggregator starts no goroutines.
		return err
	}

	if insecureServingOptions != nil {
		insecureHandlerChain := nonblockingrun.BuildInsecureHandlerChain(ctx, aggregatorServer.GenericAPIServer.UnprotectedHandler(), kubeAPIServerConfig.GenericConfig)
		if err := nonblockingrun.NonBlockingRun(ctx, insecureServingOptions, insecureHandlerChain, stopCh); err != nil {
			return err
		}
	}
	return aggregatorServer.GenericAPIServer.PrepareRun(ctx).Run(ctx, stopCh)
	// --8<-- [end:run]
}
