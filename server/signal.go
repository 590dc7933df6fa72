package server

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var upstreamSetupSignalHandler = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/signal.go", Ref: "v1.8.0", Chapter: "options",
}.Func("server.SetupSignalHandler")

var shutdownSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// SetupSignalHandler registers c for SIGINT and SIGTERM and returns
// stopCh, which is closed on the first signal received on c. A second
// signal exits the process with code 1, after the trace file is written.
// The caller may send to c itself: the tour does, to stand in for Ctrl-C.
//
// Unlike upstream's, the handler's goroutine also ends, and closes stopCh if
// no signal came, when ctx is done: main cancels ctx once Run has returned,
// so the tour can show that every goroutine it started has ended.
func SetupSignalHandler(ctx context.Context, c chan os.Signal) (stopCh <-chan struct{}) {
	ctx, end := trace.Step(ctx, upstreamSetupSignalHandler)
	defer end(nil)

	stop := trace.Make(ctx, make(chan struct{}), "stopCh", "SetupSignalHandler's goroutine")
	signal.Notify(c, shutdownSignals...)
	trace.Go(ctx, "SetupSignalHandler: close stopCh on a signal", func(ctx context.Context) {
		defer signal.Stop(c)
		// Plain selects: c carries signals, not a channel of the story (the
		// log line below shows the signal), and ctx.Done() is ours alone.
		select {
		case sig := <-c:
			trace.Log(ctx).Info().Str("signal", sig.String()).
				Str(trace.LogNoteKey, lang.Say(ctx, "the first signal closes stopCh; a second one exits at once")).
				Msg(lang.Say(ctx, "Received signal, shutting down"))
		case <-ctx.Done():
		}
		trace.Close(ctx, stop)
		awaitSecondSignal(ctx, c)
	})
	return stop
}

// awaitSecondSignal waits for a second signal on c, and exits on it, until
// ctx is done. A signal already on c wins over ctx: upstream's goroutine,
// which has no ctx, would take it.
func awaitSecondSignal(ctx context.Context, c chan os.Signal) {
	select {
	case sig := <-c:
		secondSignal(ctx, sig)
	default:
		select {
		case sig := <-c:
			secondSignal(ctx, sig)
		case <-ctx.Done():
		}
	}
}

// secondSignal exits the process with code 1, as upstream's handler does
// on a second signal, after the trace file is written.
func secondSignal(ctx context.Context, sig os.Signal) {
	trace.Log(ctx).Error().Str("signal", sig.String()).
		Msg(lang.Say(ctx, "Received second signal, exiting with code 1"))
	trace.Exit(ctx, 1, trace.EndSecondSignal)
}
