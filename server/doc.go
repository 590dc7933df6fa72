// Package server is the miniature generic API server the startup steps
// assemble. It mirrors k8s.io/apiserver/pkg/server of the Kubernetes v1.7
// era: Config and New, the GenericAPIServer with its DelegationTarget and
// EmptyDelegate, DefaultBuildHandlerChain, PrepareRun, Run, NonBlockingRun
// and serveSecurely, RunServer and its two goroutines, and
// SetupSignalHandler (from v1.8). Its subpackages hold the filters, the
// path mux, healthz, request parsing, authentication, authorization,
// certificates and the API endpoints.
//
// # Eras
//
// A Config's Era chooses the release whose generic server New builds:
// v1.7 (the default), v1.9 or modern ([Era]). The code of each era is in
// the files named after it, and what did not change is shared:
//
//   - v1.9 (kubernetes-1.9.0): run_v19.go (Run: the pre-shutdown hooks,
//     then a wait for the requests in flight; NonBlockingRun with
//     auditStopCh; serveSecurely on a listener bound long before),
//     serve_v19.go (RunServerV19: Shutdown with a timeout),
//     config_v19.go (the handler chain, with WithWaitGroup), the
//     pre-shutdown hooks in hooks.go.
//   - modern (kubernetes-1.36.0): run_modern.go (RunWithContext and
//     NonBlockingRunWithContext, Run as their wrapper),
//     lifecycle_signals.go, secure_serving.go (Serve, and RunServer with
//     its two channels), healthz_modern.go (the recursive PrepareRun,
//     /livez, /readyz and its shutdown check), config_modern.go (the
//     handler chain, with WithWaitGroup, WithWatchTerminationDuringShutdown
//     and WithRetryAfter), signal_modern.go (SetupSignalContext).
//
// Where two eras' functions have one upstream name, the later one's Go
// name carries its era (RunServerV19, SetupSignalHandlerModern); its
// step in the trace has upstream's name and the era's tag.
//
// It is the machinery, not the story: the packages under chapters/ call
// it in upstream's order, and the book explains it chapter by chapter. It
// never imports chapters/.
//
// # Differences from upstream
//
//   - Every function that upstream starts goroutines from, or that is a
//     step of the walkthrough, takes a context.Context first. The context
//     carries the trace kit (package trace); nothing else is passed in it.
//   - Goroutines are started with trace.Go instead of a bare go statement,
//     so each has a span and the kit can prove at the end that it ended.
//   - RunServer (v1.7's) takes an optional listener that is already bound,
//     so tests pass 127.0.0.1:0 listeners and never bind fixed ports; with
//     nil it listens on server.Addr as v1.7. Upstream's RunServer takes a
//     listener from v1.9 on (kubernetes-1.9.0, PR #55859), and requires one.
//   - RunServer sets server.BaseContext, when nil, to its serve goroutine's
//     context, so requests carry the trace kit and their spans are
//     children of that goroutine.
//   - RunServer sets server.ReadHeaderTimeout, when 0, to 32s: upstream
//     added that timeout in v1.23, against clients that send headers
//     slowly; v1.7 had none.
//   - No go-restful: every path is installed on the NonGoRestfulMux, and
//     the Director is that mux. Every response from a server's own path
//     carries the header X-Kubewalk-Served-By with the server's name.
//   - No audit, no OpenAPI or swagger, no request context mapper, no
//     systemd notification. v1.9's auditStopCh is made and closed all the
//     same, with no audit backend to stop; modern's Destroy is left out.
//   - A PreShutdownHookFunc (v1.9) takes a context, for the trace;
//     upstream's takes nothing.
//   - v1.9's and modern's RunServer let http.Server.Shutdown close the
//     listener; the trace records that close in the goroutine that called
//     Shutdown. Their requests' base context keeps the trace kit but not
//     the serving goroutine's cancellation (upstream's is
//     context.Background).
//   - Modern's RunWithContext names its lifecycle signals in the trace as
//     it starts, though NewConfig made them, as upstream's does; its
//     [graceful-termination] lines, klog V(1) upstream, are debug lines
//     (-v). Modern's /healthz, /livez and /readyz have no log check, and
//     its DelegationTarget no MuxAndDiscoveryCompleteSignals: the
//     walkthrough's servers install every path before they serve.
//   - A PostStartHookFunc takes a context first; the context carries the
//     trace kit and the hook goroutine's span. A hook that returns an
//     error ends the process through trace.Fatalf (upstream's
//     glog.Fatalf: exit 255), which writes the trace first.
//   - serveSecurely lists the SNI certificates after the serving one and
//     lets Go pick by server name; upstream also fills NameToCertificate,
//     which Go has deprecated.
//   - PostStartHooks returns a copy of the hooks, and HealthzChecks a copy
//     of the checks; upstream returns its own map and slice.
//   - PrepareRun, Run and NonBlockingRun take a context, for the trace.
//   - Every server serves /debug/walkthrough, the trace kit's live state,
//     and, with SlowRequests, /debug/walkthrough/slow; both are
//     ours, for the walkthrough's experiments. They are debug endpoints
//     like /debug/pprof: on the secure port they sit behind
//     authentication and authorization like every path; on the insecure
//     port, which has neither, anyone who reaches it can read them.
//   - SetupSignalHandler takes the signal channel from its caller (the tour
//     sends os.Interrupt on it to stand in for Ctrl-C), does not panic when
//     called twice, and its goroutine ends when the context is done.
package server
