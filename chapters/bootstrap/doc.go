// Package bootstrap is kube-apiserver's bootstrap controller, which the
// post-start hook bootstrap-controller starts: through the loopback
// client it makes the "default", "kube-system" and "kube-public"
// namespaces, the "kubernetes" service in "default" at the first IP of
// --service-cluster-ip-range (port 443, to the secure port) and its
// endpoints (the advertise address and the secure port), and repairs the
// allocations of service IPs and node ports.
//
// # Upstream
//
// pkg/master/controller.go at kubernetes v1.7.3 (NewBootstrapController,
// PostStartHook, Start, RunKubernetesNamespaces, RunKubernetesService,
// UpdateKubernetesService, CreateOrUpdateMasterServiceIfNeeded and the
// master-count endpoint reconciler), pkg/util/async/runner.go (Runner),
// and pkg/api/endpoints RepackSubsets.
//
// # What you will see
//
// The master.Controller.Start step inside the hook's goroutine, with the
// requests of the two repairs and of the first update, each a client span
// whose server span is its child; then the runner's stop channel and its
// four goroutines: the namespaces every minute, the service every
// EndpointReconcilerConfig.Interval (10s), the repairs every three
// minutes. Between runs each waits on stop. Nothing closes stop: in v1.7
// the runner's Stop is never called, and the trace and the summary say so
// (walkthrough.never_stopped); v1.9 calls it from a pre-shutdown hook
// (kubernetes PR #53821). Only tests stop the loops, through
// trace.Kit.StopNeverStopped.
//
// # Differences from upstream
//
//   - Runner.Start takes a reason: when it is set, the goroutines are
//     started with trace.NeverStopped and the channel is marked
//     trace.NeverClosed, so that the summary lists them as upstream leaves
//     them. Runner.Stop takes a context, to record the close.
//   - The loops run on server/wait.Until, apimachinery's wait.Until with
//     its wait on stop in the trace.
//   - The clients are client-go's typed clients (core v1) over the
//     loopback config; upstream's are its internal clientset's.
//   - The service's and endpoints' ports are v1's types; upstream works on
//     its internal API types.
//   - The functions take a context, for the trace and the clients.
package bootstrap
