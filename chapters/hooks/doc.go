// Package hooks is the chapter on the post-start hooks and the loopback
// client; this package holds only the chapter's runnable example. The
// code is where upstream keeps it:
//
//   - server/hooks.go: AddPostStartHook, the done channels and the
//     poststarthook/<name> health checks, RunPostStartHooks (called last
//     by the generic NonBlockingRun, server/run.go) and each hook's
//     goroutine, runPostStartHook, with upstream's handling of a hook's
//     panic (HandleCrash, which panics again) and error (glog.Fatalf:
//     exit 255);
//   - server/config_selfclient.go and chapters/options/applyto.go: the
//     loopback client config, for the secure port (a certificate for
//     apiserver-loopback-client and a random token of system:apiserver in
//     system:masters) or, without it, the insecure port;
//   - chapters/delegation: the hooks each server of the chain adds, and
//     the autoregister-completion health check;
//   - chapters/bootstrap: the bootstrap controller and its loops, which
//     v1.7 never stops;
//   - chapters/aggregator: the aggregator's controllers of APIServices.
//
// # Upstream
//
// staging/src/k8s.io/apiserver/pkg/server/hooks.go and
// genericapiserver.go at apiserver kubernetes-1.7.6; pkg/master/master.go,
// pkg/master/controller.go and cmd/kube-apiserver/app/aggregator.go at
// kubernetes v1.7.3; staging/src/k8s.io/kube-aggregator at v1.7.3.
//
// # Differences from upstream
//
// Each package above says its own. The one they share: v1.7's main runs
// everything with wait.NeverStop, so nothing a hook starts ever stops;
// the walkthrough's main closes v1.8's SetupSignalHandler stopCh, which
// the informers and controllers the hooks start obey. The bootstrap
// controller's loops, which no stop channel reaches in v1.7, stay
// running, and the summary says so.
package hooks
