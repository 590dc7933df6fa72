package v19

import (
	"context"
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
)

var (
	insecureHandlerGo = trace.UpstreamFile{
		Path: "pkg/kubeapiserver/server/insecure_handler.go", Ref: "v1.9.0", Chapter: "nonblockingrun",
	}
	upstreamNonBlockingRun  = insecureHandlerGo.Func("kubeserver.NonBlockingRun")
	upstreamServeInsecurely = insecureHandlerGo.Func("kubeserver.serveInsecurely")
)

// NonBlockingRun is the insecure port's NonBlockingRun as v1.9 has it:
// v1.7's (package nonblockingrun), with a shutdown timeout for v1.9's
// RunServer. It returns without blocking; on error internalStopCh is
// closed and nothing is left running.
func NonBlockingRun(ctx context.Context, insecureServingInfo *nonblockingrun.InsecureServingInfo, insecureHandler http.Handler,
	shutDownTimeout time.Duration, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamNonBlockingRun)
	defer end(&err)

	// Use an internal stop channel to allow cleanup of the listeners on error.
	internalStopCh := trace.Make(ctx, make(chan struct{}),
		"internalStopCh", "NonBlockingRun: close internalStopCh on stopCh")

	if insecureServingInfo != nil && insecureHandler != nil {
		if err := serveInsecurely(ctx, insecureServingInfo, insecureHandler, shutDownTimeout, internalStopCh); err != nil {
			trace.Close(ctx, internalStopCh)
			return err
		}
	}

	// Now that the listener has bound successfully, it is the
	// responsibility of the caller to close the provided channel to
	// ensure cleanup.
	trace.Go(ctx, "NonBlockingRun: close internalStopCh on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Close(ctx, internalStopCh)
	})
	return nil
}

// serveInsecurely binds the insecure port with CreateListener, unless the
// info carries a listener already (ours: tests, --free-ports), and
// serves it with v1.9's RunServer, which stops it with Shutdown. It fails
// only if the port cannot be listened on.
func serveInsecurely(ctx context.Context, insecureServingInfo *nonblockingrun.InsecureServingInfo, insecureHandler http.Handler,
	shutDownTimeout time.Duration, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamServeInsecurely)
	defer end(&err)

	// --8<-- [start:serveinsecurely]
	insecureServer := &http.Server{
		Addr:           insecureServingInfo.BindAddress,
		Handler:        insecureHandler,
		MaxHeaderBytes: 1 << 20,
	}
	trace.Log(ctx).Info().Msgf("Serving insecurely on %s", insecureServingInfo.BindAddress)
	ln := insecureServingInfo.Listener
	if ln == nil {
		if ln, _, err = options.CreateListener(ctx, insecureServingInfo.BindNetwork, insecureServingInfo.BindAddress); err != nil {
			return err
		}
	} else {
		trace.ListenerOpen(ctx, ln)
	}
	return server.RunServerV19(ctx, insecureServer, ln, shutDownTimeout, stopCh)
	// --8<-- [end:serveinsecurely]
}
