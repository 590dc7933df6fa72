// Package server is the miniature generic API server the startup steps
// assemble. It mirrors k8s.io/apiserver/pkg/server of the Kubernetes v1.7
// era: Config and New, the GenericAPIServer with its DelegationTarget and
// EmptyDelegate, DefaultBuildHandlerChain, PrepareRun, Run, NonBlockingRun
// and serveSecurely, RunServer and its two goroutines, and
// SetupSignalHandler (from v1.8). Its subpackages hold the filters, the
// path mux, healthz, request parsing, authentication, authorization,
// certificates and the API endpoints.
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
//   - RunServer takes an optional listener that is already bound, as
//     RunServer does since v1.10, so tests pass 127.0.0.1:0 listeners and
//     never bind fixed ports. With nil it listens on server.Addr as v1.7.
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
//     systemd notification.
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
