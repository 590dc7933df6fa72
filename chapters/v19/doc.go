// Package v19 is kube-apiserver v1.9's walk where it differs from v1.7's
// (package app): Run hands the building of the delegation chain to
// CreateServerChain and runs what it returns, and the insecure port's
// NonBlockingRun takes a shutdown timeout and serves a listener it binds
// itself. Every other step is v1.7's, shared: CreateNodeDialer,
// CreateKubeAPIServerConfig (whose SecureServingOptions.ApplyTo now binds
// the secure port, see package options), the three servers, and the
// generic server's v1.9 Run, NonBlockingRun and RunServer (package server,
// run_v19.go and serve_v19.go).
//
//	Run → CreateServerChain:
//	  CreateNodeDialer → CreateKubeAPIServerConfig (the secure port is bound) →
//	  createAPIExtensionsConfig → createAPIExtensionsServer(EmptyDelegate) →
//	  CreateKubeAPIServer(apiextensions) →
//	    [KUBE_API_VERSIONS set: insecure port, return kube-apiserver]
//	  kube-apiserver PrepareRun → apiextensions PrepareRun →
//	  createAggregatorConfig → createAggregatorServer(kube-apiserver) →
//	  BuildInsecureHandlerChain → NonBlockingRun (the insecure port)
//	→ PrepareRun().Run (the secure port, until stopCh closes, then the
//	  pre-shutdown hooks and the wait for the requests in flight)
//
// # Upstream
//
// cmd/kube-apiserver/app/server.go, Run and CreateServerChain, at v1.9.0:
// read at kubernetes/kubernetes commit 6ba30f678c23 (PR #55859, "pass
// listener to genericapiserver", which v1.9.0 contains; no later v1.9
// change to these functions was found). pkg/kubeapiserver/server/
// insecure_handler.go at v1.9.0, NonBlockingRun and serveInsecurely: the
// call with the shutdown timeout is confirmed at that commit; the bodies
// follow write-ups of v1.9's code (CreateListener, then the v1.9
// RunServer, which requires a listener), not read at the tag.
//
// # What you will see
//
// The step spans app.Run and app.CreateServerChain, with the shared steps
// inside it; the secure port's listener.open inside
// app.CreateKubeAPIServerConfig, long before it is served; the insecure
// port's kubeserver.NonBlockingRun and serveInsecurely with
// options.CreateListener and v1.9's server.RunServer, whose goroutine
// "RunServer: Shutdown on stopCh" calls http.Server.Shutdown. At shutdown:
// the listeners close first ("Stopped listening on …"), then Run runs the
// pre-shutdown hooks and waits for the requests in flight.
//
// # Differences from upstream
//
//   - The functions take a context, for the trace; upstream's Run and
//     CreateServerChain also hand informer factories and a service
//     resolver around, which the walkthrough has not.
//   - The steps v1.9 kept as v1.7 had them are v1.7's code here, and their
//     trace points at v1.7.0.
//   - The insecure port's handler chain is v1.7's, without WithWaitGroup:
//     write-ups of v1.8 to v1.10 show none there (not read at the tag), so
//     v1.9's Run does not wait for the insecure port's requests.
package v19
