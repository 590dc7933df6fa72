// Package modern is today's kube-apiserver walk where it differs from
// v1.7's (package app): the configuration of all three servers is built
// first, the secure port bound with it, then the chain, with no listener
// and no insecure port in it; the generic server's modern Run shuts down
// in the order of its lifecycle signals (package server, run_modern.go).
//
//	Run → NewConfig:
//	  CreateProxyTransport → CreateKubeAPIServerConfig (the secure port is bound) →
//	  createAPIExtensionsConfig → createAggregatorConfig
//	→ Complete → CreateServerChain:
//	  createAPIExtensionsServer(NewEmptyDelegateWithCustomHandler(notFound)) →
//	  CreateKubeAPIServer(apiextensions) → createAggregatorServer(kube-apiserver)
//	→ PrepareRun (every server, innermost first: /healthz, /livez, /readyz)
//	→ Run(stopCh) → RunWithContext (the secure port, until stopCh closes,
//	  then the lifecycle signals)
//
// # Upstream
//
// The generic server is k8s.io/apiserver at kubernetes-1.36.0 (v1.36.0's
// staging copy). kube-apiserver's command is cmd/kube-apiserver/app/server.go
// at kubernetes/kubernetes commit 4b936928938f (a v1.30 development
// commit): the newest version of that file that could be read; where
// v1.31 and later differ (Run takes a context, PR #122148), this package
// follows 4b936928 and says so. At that commit the command calls
// Run(completedOptions, genericapiserver.SetupSignalHandler()), and Run
// ends in prepared.Run(stopCh), which v1.36.0's generic server keeps as a
// wrapper of RunWithContext: the two fit.
//
// # What you will see
//
// The step spans app.Run, app.NewConfig with the secure port's
// listener.open inside it, app.Config.Complete, app.CreateServerChain,
// the recursive server.GenericAPIServer.PrepareRun, then
// server.preparedGenericAPIServer.Run and RunWithContext with the eight
// lifecycle signals as channels of their upstream names, each made,
// closed and waited on, and the goroutines that close them. No insecure
// port: kube-apiserver stopped serving it in v1.20 (PR #95856) and
// dropped its flags in v1.24. KUBE_API_VERSIONS is ignored, and said so:
// v1.11 removed it (PR #63165).
//
// # Differences from upstream
//
//   - The functions take a context, for the trace. The command's cobra
//     RunE (PrintFlags, Complete, Validate) is the walkthrough's main.
//   - The steps that kept their v1.7 names are v1.7's code here, and their
//     trace points at v1.7.0: CreateKubeAPIServerConfig (which defaults and
//     validates the options too, where modern's Complete and Validate do
//     it earlier), and the three servers' construction (modern calls the
//     configs' New); CreateProxyTransport is called just before
//     CreateKubeAPIServerConfig, not inside it.
//   - No admission plugin initializers, service resolver, informers,
//     OpenAPI, peer proxy, API priority and fairness or storage version
//     manager.
//   - The end of the chain answers 404 with net/http's text, as modern's
//     not-found handler does once every path is installed; its 503 for a
//     request that comes before cannot happen here.
package modern
