// Walkthrough starts a miniature kube-apiserver, as it started in
// Kubernetes v1.7 (or, with --era, in v1.9 or today), and narrates every
// step: the options, the node dialer, the config, the delegation chain of
// three servers, the insecure and the secure port with their goroutines
// and stop channels, and the shutdown cascade that ends them all.
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
//	--era ERA            the Kubernetes release to run: v1.7 (the default), v1.9 or
//	                     modern (kubernetes-1.36.0's generic server); see docs/then-and-now.md
//	--serve              keep serving until a signal instead of taking the tour
//	--free-ports         listen on ports the system picks, named in the log (scripts, CI)
//	--until STEP|CHAPTER pause after a step (e.g. server.RunServer) or the last step
//	                     of a chapter (e.g. nonblockingrun), show what is alive, and
//	                     wait for Enter (go on) or q (shut down)
//	--step               pause before every step and explain it; needs a terminal
//	--break FAULT        break something on purpose: listener, insecure-bind,
//	                     apiextensions or slow-request; --break=help says what each teaches
//	--trace-file FILE    where the trace goes (default walkthrough-trace.json; "" turns tracing off)
//	--trace-requests     record a span per HTTP request (default true)
//	--trace-requests-max N  at most N request spans (default 1000, 0: no limit); the
//	                     rest are counted by path and status, with their latency
//	--trace-html FILE    also write the trace as a timeline page, at the end of the run
//	--log-format FORMAT  console (the narration) or json (every field, for machines)
//	--log-level LEVEL    debug, info, warn or error (default info); -v is --log-level=debug
//	--lang LANG          the language of the narration: en or zh (default: the locale's,
//	                     from LC_ALL, LC_MESSAGES or LANG); upstream's own log messages,
//	                     and the names of goroutines and channels, stay as upstream's
//
// The narration goes to stderr, the summary to stdout. The trace is a
// stream of OpenTelemetry spans, one JSON object per line; go run
// ./cmd/traceview renders it as text, Mermaid or an HTML page.
//
// Exit codes: 0 when the run ended cleanly; 1 when a step failed, the
// options are invalid, or a second signal cut the shutdown short; 2 when
// the command line does not parse or --step has no terminal, and when
// RunServer's panic (--break=listener) crashes the process, as every Go
// panic does.
package main
