// Walkthrough starts a miniature kube-apiserver, as it started in
// Kubernetes v1.7, and narrates every step: the options, the node dialer,
// the config, the delegation chain of three servers, the insecure and the
// secure port with their goroutines and stop channels, and the shutdown
// cascade that ends them all.
//
// By default it takes the tour: it starts both ports on loopback, sends a
// few requests that show which server of the chain answers which path,
// then stands in for Ctrl-C, waits for every goroutine it started to end,
// prints a summary and exits 0. With --serve it keeps serving until
// SIGINT or SIGTERM.
//
// Usage:
//
//	go run ./cmd/walkthrough [flags]
//
// The flags are kube-apiserver's (with upstream names and defaults, except
// that everything binds to loopback) and the walkthrough's own:
//
//	--serve              keep serving until a signal instead of taking the tour
//	--trace-file FILE    where the trace goes (default walkthrough-trace.json; "" turns tracing off)
//	--trace-requests     record a span per HTTP request (default true)
//	--log-format FORMAT  console or json (default console)
//	--log-level LEVEL    debug, info, warn or error (default info); -v is --log-level=debug
//	--break FAULT        break something on purpose (listener)
//
// The trace is a stream of OpenTelemetry spans, one JSON object per line;
// go run ./cmd/traceview renders it.
package main
