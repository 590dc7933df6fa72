package server

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
)

var (
	genericapiserverGoV19 = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go", Ref: "v1.9.0", Chapter: "preparerun",
	}
	upstreamRunV19            = genericapiserverGoV19.Func("server.preparedGenericAPIServer.Run")
	upstreamNonBlockingRunV19 = genericapiserverGoV19.Func("server.preparedGenericAPIServer.NonBlockingRun")
	upstreamServeSecurelyV19  = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.9.0", Chapter: "preparerun",
	}.Func("server.GenericAPIServer.serveSecurely")
)

// runV19 is Run as v1.9 has it: NonBlockingRun, then, once stopCh is
// closed, the pre-shutdown hooks, then a wait for every request in flight
// that is not long-running (HandlerChainWaitGroup, which WithWaitGroup
// fills), bounded by their RequestTimeout; then it returns nil. It does
// not wait for RunServer's Shutdown to finish, nor for the watches, which
// are long-running: the process exits under them. A pre-shutdown hook's
// error is returned instead, before the wait.
func (s preparedGenericAPIServer) runV19(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRunV19)
	defer end(&err)

	// --8<-- [start:run]
	// (Upstream registers the pre-shutdown hook audit-backend here when
	// there is an audit backend; the walkthrough has none.)
	if err := s.nonBlockingRunV19(ctx, stopCh); err != nil {
		return err
	}

	trace.Recv(ctx, stopCh)

	if err := s.RunPreShutdownHooks(ctx); err != nil {
		return err
	}

	// Wait for all requests to finish, which are bounded by the RequestTimeout variable.
	waitForRequests(ctx, s.HandlerChainWaitGroup, "HandlerChainWaitGroup")
	return nil
	// --8<-- [end:run]
}

// waitForRequests calls wg.Wait, which returns once every request it
// counts has ended, and says so in the trace (ours: a wait group is not a
// channel, so the kit cannot show the wait by itself).
func waitForRequests(ctx context.Context, wg *utilwaitgroup.SafeWaitGroup, name string) {
	trace.Log(ctx).Debug().Str("waitgroup", name).
		Str(trace.LogNoteKey, lang.Say(ctx, "new requests that are not long-running are refused from here; those in flight are waited for")).
		Msg(name + ".Wait()")
	wg.Wait()
	trace.Log(ctx).Debug().Str("waitgroup", name).Msg(lang.Sayf(ctx, "%s.Wait() returned: no request in flight", name))
}

// nonBlockingRunV19 is NonBlockingRun as v1.9 has it. Unlike v1.7's it
// makes auditStopCh first, to stop the audit backend only once the
// requests have drained (the walkthrough has no audit backend, but the
// channel is made and closed all the same, as upstream's is), and its
// goroutine, after closing internalStopCh, waits for HandlerChainWaitGroup
// and then closes auditStopCh. On a serving error it closes
// internalStopCh and returns the error; auditStopCh then stays open, as
// upstream's.
func (s preparedGenericAPIServer) nonBlockingRunV19(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamNonBlockingRunV19)
	defer end(&err)

	// --8<-- [start:nonblockingrun]
	// Use an stop channel to allow graceful shutdown without dropping audit events
	// after http server shutdown.
	auditStopCh := trace.Make(ctx, make(chan struct{}), "auditStopCh", goroutineNonBlockingRunV19)

	// Use an internal stop channel to allow cleanup of the listeners on error.
	internalStopCh := trace.Make(ctx, make(chan struct{}), "internalStopCh", goroutineNonBlockingRunV19)

	if s.SecureServingInfo != nil && s.Handler != nil {
		if err := s.serveSecurelyV19(ctx, internalStopCh); err != nil {
			trace.Close(ctx, internalStopCh)
			return err
		}
	}

	trace.Go(ctx, goroutineNonBlockingRunV19, func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Close(ctx, internalStopCh)
		waitForRequests(ctx, s.HandlerChainWaitGroup, "HandlerChainWaitGroup")
		trace.Close(ctx, auditStopCh)
	})
	// --8<-- [end:nonblockingrun]

	s.RunPostStartHooks(ctx, stopCh)
	return nil
}

const goroutineNonBlockingRunV19 = "NonBlockingRun: close internalStopCh on stopCh, auditStopCh once the requests drained"

// serveSecurelyV19 is serveSecurely as v1.9 has it: the listener was
// bound by SecureServingOptions.ApplyTo, long before, and must be there;
// the server's address is the listener's; RunServerV19 serves it with
// the server's ShutdownTimeout.
func (s *GenericAPIServer) serveSecurelyV19(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamServeSecurelyV19)
	defer end(&err)

	info := s.SecureServingInfo
	if info.Listener == nil {
		return fmt.Errorf("listener must not be nil")
	}
	tlsConfig, err := info.tlsConfig()
	if err != nil {
		return err
	}
	secureServer := &http.Server{
		Addr:           info.Listener.Addr().String(),
		Handler:        s.Handler,
		MaxHeaderBytes: 1 << 20,
		TLSConfig:      tlsConfig,
	}
	trace.Log(ctx).Info().Msgf("Serving securely on %s", secureServer.Addr)
	s.effectiveSecurePort = info.Listener.Addr().(*net.TCPAddr).Port
	return RunServerV19(ctx, secureServer, info.Listener, s.ShutdownTimeout, stopCh)
}
