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
// Five step spans, one per function above (CreateKubeAPIServer with
// master.Master.InstallLegacyAPI inside), and a log line per server naming
// its group and its delegate. No goroutines yet: each server adds its
// post-start hooks, which start the informers and controllers later, when
// the aggregator runs them all (see package server, RunPostStartHooks):
// generic-apiserver-start-informers (the generic config's informers,
// added by the innermost server that has them, apiextensions-apiserver)
// and start-apiextensions-informers on apiextensions-apiserver;
// bootstrap-controller (package bootstrap) and
// start-kube-apiserver-informers on kube-apiserver; the aggregator's three
// (package aggregator) and kube-apiserver-autoregistration, which
// createAggregatorServer adds with the health check
// autoregister-completion: it fails until every APIService
// apiServicesToRegister asked for exists and is Available.
//
// # Differences from upstream
//
//   - createAPIExtensionsConfig and the other lower-case functions of
//     upstream are exported here (CreateAPIExtensionsConfig, …), because
//     app.Run lives in another package; their spans keep upstream's names.
//   - Each server serves one group version with in-memory storage:
//     apiextensions.k8s.io/v1beta1 customresourcedefinitions, the core
//     group's namespaces, services and endpoints, and
//     apiregistration.k8s.io/v1beta1 apiservices. A
//     CustomResourceDefinition is stored but does not start serving its
//     custom resource.
//   - The hooks are those that carry the story. Upstream's v1.7.3 also
//     has start-apiextensions-controllers (the CRD controllers),
//     extensions/third-party-resources (a TPR sync that wait.Forever
//     runs, never stopped), ca-registration (a no-op without client CA
//     files) and, with --authorization-mode=RBAC, rbac/bootstrap-roles;
//     and kube-apiserver-autoregistration also runs the TPR registration
//     controller. None of those is here.
//   - The aggregator proxies nothing (see package aggregator).
//   - APIExtensionsConfig.Break, set by CreateAPIExtensionsConfig for
//     --break=apiextensions, makes CreateAPIExtensionsServer fail before
//     the code the book quotes, to show an error travelling back through
//     app.Run and main.
//   - The functions take a context, for the trace.
package delegation
