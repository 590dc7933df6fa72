// Package app is the walk itself: Run calls every startup step in
// upstream's order, inline, as kube-apiserver's app.Run did in v1.7.
//
//	CreateNodeDialer → CreateKubeAPIServerConfig →
//	createAPIExtensionsConfig → createAPIExtensionsServer(EmptyDelegate) →
//	CreateKubeAPIServer(apiextensions) →
//	  [KUBE_API_VERSIONS set: insecure port, then kube-apiserver's PrepareRun().Run]
//	createAggregatorConfig → createAggregatorServer(kube-apiserver) →
//	BuildInsecureHandlerChain → NonBlockingRun (the insecure port) →
//	aggregator PrepareRun().Run (the secure port; then the post-start
//	  hooks of all three servers, each in its goroutine; until stopCh closes)
//
// # Upstream
//
// cmd/kube-apiserver/app/server.go, Run, at v1.7.0. From v1.8 the part
// from CreateNodeDialer to the aggregator moved into CreateServerChain;
// the order stayed.
//
// # What you will see
//
// The root step span app.Run with every other step inside it, the log
// line "Version: …" first, and, when KUBE_API_VERSIONS is set, a line
// saying why the aggregator is left out (its trace then has no aggregator
// spans).
//
// # Differences from upstream
//
//   - Run takes a context, for the trace; stopCh still says when to stop.
//   - Upstream's Run also receives a service resolver from
//     CreateKubeAPIServerConfig, for the aggregator's proxy; the
//     walkthrough proxies nothing.
//   - Upstream's main passes Run wait.NeverStop in v1.7: nothing ever
//     stops, and the process exits on a signal. The walkthrough's main
//     passes the stopCh of v1.8's SetupSignalHandler, so the informers and
//     controllers the hooks start end when it closes; the bootstrap
//     controller's loops, which no stop channel reaches in v1.7, do not.
//   - Upstream calls kubeAPIServer's PrepareRun before building the
//     aggregator and ignores its result; ours does the same, so /healthz
//     is installed on kube-apiserver too.
package app
