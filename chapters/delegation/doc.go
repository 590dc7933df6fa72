// Package delegation is the step that builds the three servers of the
// delegation chain, innermost first:
//
//	apiextensions-apiserver (on EmptyDelegate) ← kube-apiserver ← kube-aggregator
//
// Each is a server.GenericAPIServer serving its own API group and handing
// every path it does not serve to the server before it, ending at
// EmptyDelegate's 404. The aggregator is the outermost: both ports serve
// its handler, and it answers /apis for the whole chain.
//
// # Upstream
//
// cmd/kube-apiserver/app at v1.7.0: apiextensions.go
// (createAPIExtensionsConfig, createAPIExtensionsServer), server.go
// (CreateKubeAPIServer) and aggregator.go (createAggregatorConfig,
// createAggregatorServer), with the servers they build in
// k8s.io/apiextensions-apiserver, pkg/master and k8s.io/kube-aggregator.
//
// # What you will see
//
// Five step spans, one per function above, and a log line per server
// naming its group and its delegate. No goroutines: upstream starts the
// servers' informers and controllers later, in post-start hooks.
//
// # Differences from upstream
//
//   - createAPIExtensionsConfig and the other lower-case functions of
//     upstream are exported here (CreateAPIExtensionsConfig, …), because
//     app.Run lives in another package; their spans keep upstream's names.
//   - Each server serves one group version with in-memory storage:
//     apiextensions.k8s.io/v1beta1 customresourcedefinitions,
//     the core group's namespaces, and apiregistration.k8s.io/v1beta1
//     apiservices. A CustomResourceDefinition is stored but does not
//     start serving its custom resource.
//   - The aggregator proxies nothing. Upstream registers an APIService for
//     each group version its delegates list (apiServicesToRegister) and an
//     autoregister controller creates them; its /apis then lists the
//     APIServices. Ours builds the same group list from the delegates'
//     listed paths when the aggregator is created and serves it at /apis;
//     the apiservices resource starts empty.
//   - No post-start hooks, informers, controllers or health checks of
//     their own.
//   - APIExtensionsConfig.Break, set by CreateAPIExtensionsConfig for
//     --break=apiextensions, makes CreateAPIExtensionsServer fail before
//     the code the book quotes, to show an error travelling back through
//     app.Run and main.
//   - The functions take a context, for the trace.
package delegation
