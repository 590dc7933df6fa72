// Package preparerun is the chapter on PrepareRun().Run, whose code is in
// server/run.go; this package holds only the chapter's runnable example.
// It is the last call of app.Run:
// aggregatorServer.GenericAPIServer.PrepareRun().Run(stopCh).
//
//   - PrepareRun installs what must come after every API group: /healthz,
//     with the health checks of the whole delegation chain.
//   - Run calls the generic NonBlockingRun, which makes its own
//     internalStopCh, serves the secure port through serveSecurely and
//     RunServer (TLS 1.2 at least, with a self-signed certificate when
//     --tls-cert-file is not given), and starts the goroutine that closes
//     internalStopCh once stopCh closes. Then Run blocks on <-stopCh.
//
// The book's chapter includes the code from server/run.go, and the secure
// port's filter chain from server/config.go.
//
// # Upstream
//
// staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go
// (PrepareRun, preparedGenericAPIServer.Run and NonBlockingRun) and
// serve.go (serveSecurely) at v1.7.0.
//
// # Differences from upstream
//
//   - PrepareRun installs no swagger or OpenAPI routes, and NonBlockingRun
//     runs no audit backend and sends no systemd notification; it runs
//     the post-start hooks last, as upstream (server/hooks.go).
//   - PrepareRun, Run and NonBlockingRun take a context, for the trace.
package preparerun
