package server

import (
	"context"
	"os"
	"os/signal"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var (
	signalGoModern = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/signal.go", Ref: "v1.36.0", Chapter: "options",
	}
	upstreamSetupSignalHandlerModern = signalGoModern.Func("server.SetupSignalHandler")
	upstreamSetupSignalContext       = signalGoModern.Func("server.SetupSignalContext")
)

// SetupSignalHandlerModern is SetupSignalHandler as modern has it (the
// suffix only tells it from v1.8's in this package): the Done channel of
// SetupSignalContext's context.
func SetupSignalHandlerModern(ctx context.Context, c chan os.Signal) (stopCh <-chan struct{}) {
	ctx, end := trace.Step(ctx, upstreamSetupSignalHandlerModern)
	defer end(nil)
	return SetupSignalContext(ctx, c).Done()
}

// SetupSignalContext (modern, since v1.19) registers c for SIGINT and
// SIGTERM and returns a context canceled on the first signal received on
// c: its Done channel, stopCh in the trace, is closed then. A second
// signal exits the process with code 1, after the trace file is written.
// The context has ctx's values (the trace kit), not its cancellation.
//
// Like SetupSignalHandler, and unlike upstream's, it takes c from its
// caller, does not panic when called twice, and its goroutine also ends,
// canceling the context if no signal came, when ctx is done. Upstream's
// logs nothing; the lines about the signals are ours.
func SetupSignalContext(ctx context.Context, c chan os.Signal) context.Context {
	ctx, end := trace.Step(ctx, upstreamSetupSignalContext)
	defer end(nil)

	stop := trace.Make(ctx, make(chan struct{}), "stopCh", "SetupSignalContext's goroutine: cancel()")
	signal.Notify(c, shutdownSignals...)
	trace.Go(ctx, "SetupSignalContext: cancel on a signal", func(ctx context.Context) {
		defer signal.Stop(c)
		// Plain selects, as in SetupSignalHandler.
		select {
		case sig := <-c:
			trace.Log(ctx).Info().Str("signal", sig.String()).
				Str(trace.LogNoteKey, lang.Say(ctx, "the first signal cancels the context (its Done channel is stopCh); a second one exits at once")).
				Msg(lang.Say(ctx, "Received signal, shutting down"))
		case <-ctx.Done():
		}
		trace.Close(ctx, stop) // cancel()
		awaitSecondSignal(ctx, c)
	})
	return contextForChannel(ctx, stop)
}
