// Package server is the miniature generic API server the startup steps
// assemble. It mirrors k8s.io/apiserver/pkg/server of the Kubernetes v1.7
// era: RunServer and its two goroutines, SetupSignalHandler (v1.8), and the
// GenericAPIServer with its delegation target.
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
//   - SetupSignalHandler takes the signal channel from its caller (the tour
//     sends os.Interrupt on it to stand in for Ctrl-C), does not panic when
//     called twice, and its goroutine ends when the context is done.
package server
