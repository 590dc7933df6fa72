// Package runserver is the chapter on server.RunServer, whose code is in
// server/serve.go; this package holds only the chapter's runnable example.
// RunServer is the function both ports end in: it listens at once, starts
// two goroutines and returns the port without blocking.
//
//   - "RunServer: close listener on stopCh" waits for its stopCh (a port's
//     internalStopCh) and closes the listener;
//   - "RunServer: serve" serves until the listener closes, then logs
//     "Stopped listening on <addr>" if stopCh is closed, and panics with
//     that message and Serve's error if it is not.
//
// The book's chapter includes the code from server/serve.go. The panic
// path is shown by TestRunServerPanicsWhenTheListenerDiesEarly in package
// server and by the walkthrough's --break=listener.
//
// # Upstream
//
// staging/src/k8s.io/apiserver/pkg/server/serve.go, RunServer and
// tcpKeepAliveListener, at v1.7.0.
//
// # Differences from upstream
//
// Those of package server: a context for the trace, goroutines through
// trace.Go, an optional pre-bound listener (upstream's takes one from v1.9,
// kubernetes-1.9.0, and requires it), and requests that carry the kit in
// their context. v1.9's and modern's RunServer are package server's
// RunServerV19 and secure_serving.go's (--era).
package runserver
