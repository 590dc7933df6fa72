package nonblockingrun

import (
	"context"
	"net/http"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
)

// NonBlockingRun starts serving insecureHandler on the insecure port and
// returns without blocking. It makes its own internalStopCh for the
// listener, so that an error can shut down what it started without
// closing the caller's stopCh; a goroutine closes internalStopCh once
// stopCh is closed. On error internalStopCh is closed before returning
// and no goroutine is left running. With a nil info or handler nothing is
// served, but the goroutine still runs until stopCh closes.
//
// It has a twin for the secure port, the generic
// preparedGenericAPIServer.NonBlockingRun in server/run.go, because
// upstream has the same two: line for line alike up to the forwarding
// goroutine.
func NonBlockingRun(ctx context.Context, insecureServingInfo *InsecureServingInfo, insecureHandler http.Handler, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamNonBlockingRun)
	defer end(&err)

	// --8<-- [start:nonblockingrun]
	// An internal stop channel lets an error clean up the listener
	// without closing the caller's stopCh.
	internalStopCh := trace.Make(ctx, make(chan struct{}),
		"internalStopCh", "NonBlockingRun: close internalStopCh on stopCh")

	if insecureServingInfo != nil && insecureHandler != nil {
		if err := serveInsecurely(ctx, insecureServingInfo, insecureHandler, internalStopCh); err != nil {
			trace.Close(ctx, internalStopCh)
			return err
		}
	}

	// The listener is bound: from here on the caller ends it by closing stopCh.
	trace.Go(ctx, "NonBlockingRun: close internalStopCh on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Close(ctx, internalStopCh)
	})
	// --8<-- [end:nonblockingrun]
	return nil
}

// serveInsecurely starts the plain HTTP server with server.RunServer and
// returns once it listens; serving goes on in RunServer's goroutines
// until stopCh closes. It fails only if the port cannot be listened on.
func serveInsecurely(ctx context.Context, insecureServingInfo *InsecureServingInfo, insecureHandler http.Handler, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamServeInsecurely)
	defer end(&err)

	// --8<-- [start:serveinsecurely]
	insecureServer := &http.Server{
		Addr:           insecureServingInfo.BindAddress,
		Handler:        insecureHandler,
		MaxHeaderBytes: 1 << 20,
	}
	trace.Log(ctx).Info().Msgf("Serving insecurely on %s", insecureServingInfo.BindAddress)
	_, err = server.RunServer(ctx, insecureServer, insecureServingInfo.Listener, insecureServingInfo.BindNetwork, stopCh)
	// --8<-- [end:serveinsecurely]
	return err
}
