// Package nonblockingrun is the step that opens the insecure port:
// BuildInsecureHandlerChain wraps the outermost server's Director in the
// filters of a port without authentication, and NonBlockingRun starts
// serving it through serveInsecurely and server.RunServer, then returns
// without blocking.
//
// # Upstream
//
// pkg/kubeapiserver/server/insecure_handler.go at v1.7.0 (package
// kubeserver): InsecureServingInfo, BuildInsecureHandlerChain,
// NonBlockingRun, serveInsecurely and insecureSuperuser.
//
// # What you will see
//
// Three step spans, kubeserver.BuildInsecureHandlerChain,
// kubeserver.NonBlockingRun and kubeserver.serveInsecurely with
// server.RunServer inside it; internalStopCh made by NonBlockingRun; the
// goroutine "NonBlockingRun: close internalStopCh on stopCh", and
// RunServer's two goroutines. At shutdown: stopCh received, internalStopCh
// closed, the listener closed, "Stopped listening on …".
//
// # Differences from upstream
//
//   - The functions take a context, for the trace, and goroutines start
//     through trace.Go.
//   - InsecureServingInfo may carry a listener already bound, so tests
//     never bind fixed ports. Upstream's secure port takes one from v1.9;
//     the generic library's insecure serving info has one by v1.12
//     (DeprecatedInsecureServingInfo).
//   - No fault is injected here: the walkthrough's --break=listener and
//     --break=insecure-bind break the port from outside (cmd/walkthrough),
//     by closing its listener while stopCh is open, or by holding the port
//     so that serveInsecurely's listen fails.
//   - The chain has our WithTracing outermost and no WithRequestContext
//     or audit.
package nonblockingrun
