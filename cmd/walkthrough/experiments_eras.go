package main

import (
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// eraSteps are what --until and --step know of an era's steps.
type eraSteps struct {
	order       []step            // the steps, in the order they first start
	chapterEnds map[string]string // chapter → the step --until CHAPTER stops after
	thenAfter   map[string]string // step → what comes after it (lang.N)
}

// stepsOf returns era's steps.
func stepsOf(era server.Era) eraSteps {
	switch era {
	case server.EraV19:
		return eraSteps{stepOrderV19, chapterEndsV19, nil}
	case server.EraModern:
		return eraSteps{stepOrderModern, chapterEndsModern, nil}
	}
	return eraSteps{stepOrder, chapterEnds, thenAfter}
}

// v17Step returns v1.7's step of that function.
func v17Step(function string) step {
	for _, s := range stepOrder {
		if s.function == function {
			return s
		}
	}
	panic("no v1.7 step " + function) // the tables below are wrong: a test fails
}

var stepOrderV19 = []step{
	v17Step("main.main"), v17Step("options.NewServerRunOptions"), v17Step("options.ServerRunOptions.AddFlags"),
	v17Step("server.SetupSignalHandler"),
	{"app.Run", lang.N("v1.9's app.Run logs the version, calls CreateServerChain and runs what it returns.")},
	{"app.CreateServerChain", lang.N("CreateServerChain builds the three servers and serves the insecure port, as v1.7's Run did inline.")},
	v17Step("app.CreateNodeDialer"), v17Step("app.CreateKubeAPIServerConfig"),
	{"options.CreateListener", lang.N("CreateListener binds a port now, long before it is served (from v1.9).")},
	v17Step("app.createAPIExtensionsConfig"), v17Step("app.createAPIExtensionsServer"), v17Step("app.CreateKubeAPIServer"),
	{"server.GenericAPIServer.PrepareRun", lang.N("PrepareRun installs /healthz; v1.9 calls it on kube-apiserver and apiextensions, then on the aggregator.")},
	v17Step("app.createAggregatorConfig"), v17Step("app.createAggregatorServer"),
	v17Step("kubeserver.BuildInsecureHandlerChain"),
	{"kubeserver.NonBlockingRun", lang.N("v1.9's NonBlockingRun makes internalStopCh, serves the insecure port with a shutdown timeout, and starts its forwarding goroutine.")},
	{"kubeserver.serveInsecurely", lang.N("serveInsecurely binds the insecure port with CreateListener and calls v1.9's RunServer.")},
	{"server.RunServer", lang.N("v1.9's RunServer takes the listener, starts the goroutine that calls Shutdown on its stop channel and the one that serves.")},
	{"server.preparedGenericAPIServer.Run", lang.N("v1.9's Run serves the secure port, and once stopCh is closed runs the pre-shutdown hooks and waits for the requests in flight.")},
	{"server.preparedGenericAPIServer.NonBlockingRun", lang.N("v1.9's NonBlockingRun makes auditStopCh and internalStopCh, serves the secure port, and starts its forwarding goroutine.")},
	{"server.GenericAPIServer.serveSecurely", lang.N("serveSecurely builds the HTTPS server on the listener bound long before and calls RunServer.")},
	{"server.GenericAPIServer.RunPreShutdownHooks", lang.N("RunPreShutdownHooks runs every pre-shutdown hook, one after the other (from v1.9).")},
}

var chapterEndsV19 = map[string]string{
	"options":        "server.SetupSignalHandler",
	"nodedialer":     "app.CreateNodeDialer",
	"config":         "app.CreateKubeAPIServerConfig",
	"apiextensions":  "app.createAPIExtensionsServer",
	"kubeapiserver":  "app.CreateKubeAPIServer",
	"aggregator":     "app.createAggregatorServer",
	"nonblockingrun": "kubeserver.NonBlockingRun",
	"runserver":      "server.RunServer",
	"preparerun":     "server.preparedGenericAPIServer.NonBlockingRun",
	"then-and-now":   "app.CreateServerChain",
}

var stepOrderModern = []step{
	v17Step("main.main"), v17Step("options.NewServerRunOptions"), v17Step("options.ServerRunOptions.AddFlags"),
	{"server.SetupSignalHandler", lang.N("Modern's SetupSignalHandler is SetupSignalContext's context's Done channel: stopCh.")},
	{"server.SetupSignalContext", lang.N("SetupSignalContext makes the context that a SIGINT or SIGTERM cancels, and the goroutine that cancels it.")},
	{"app.Run", lang.N("Modern's app.Run logs the version and the Go settings, builds every configuration, then the chain, prepares it and runs it.")},
	{"app.NewConfig", lang.N("NewConfig builds the configuration of all three servers, binding the secure port, before any server exists.")},
	{"app.CreateProxyTransport", lang.N("CreateProxyTransport is the transport to the nodes: what replaced CreateNodeDialer.")},
	v17Step("app.CreateKubeAPIServerConfig"),
	{"options.CreateListener", lang.N("CreateListener binds the secure port now, long before it is served (from v1.9).")},
	v17Step("app.createAPIExtensionsConfig"), v17Step("app.createAggregatorConfig"),
	{"app.Config.Complete", lang.N("Complete completes the three configurations.")},
	{"app.CreateServerChain", lang.N("CreateServerChain builds the three servers on their configurations; it starts nothing: no listener, no insecure port.")},
	v17Step("app.createAPIExtensionsServer"), v17Step("app.CreateKubeAPIServer"), v17Step("app.createAggregatorServer"),
	{"server.GenericAPIServer.PrepareRun", lang.N("Modern's PrepareRun prepares the delegate first, then installs /healthz, /livez and /readyz, whose shutdown check fails once ShutdownInitiated is signalled.")},
	{"server.preparedGenericAPIServer.Run", lang.N("Run turns stopCh into a context and calls RunWithContext.")},
	{"server.preparedGenericAPIServer.RunWithContext", lang.N("RunWithContext starts the goroutines that signal the lifecycle signals, serves, and waits for shutdown to be initiated.")},
	{"server.preparedGenericAPIServer.NonBlockingRunWithContext", lang.N("NonBlockingRunWithContext serves the secure port, starts the goroutine that closes internalStopCh on stopHTTPServerCtx, and runs the post-start hooks.")},
	{"server.SecureServingInfo.Serve", lang.N("Serve builds the HTTPS server on the listener bound long before and calls RunServer.")},
	{"server.RunServer", lang.N("Modern's RunServer starts the goroutine that calls Shutdown on its stop channel and the one that serves, and returns the channels they close.")},
	{"server.GenericAPIServer.RunPreShutdownHooks", lang.N("RunPreShutdownHooks runs every pre-shutdown hook, one after the other; PreShutdownHooksStopped follows.")},
}

var chapterEndsModern = map[string]string{
	"options":       "server.SetupSignalHandler",
	"config":        "app.NewConfig",
	"apiextensions": "app.createAPIExtensionsServer",
	"kubeapiserver": "app.CreateKubeAPIServer",
	"aggregator":    "app.createAggregatorServer",
	"runserver":     "server.RunServer",
	"preparerun":    "server.preparedGenericAPIServer.NonBlockingRunWithContext",
	"then-and-now":  "app.CreateServerChain",
}
