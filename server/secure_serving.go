package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

var (
	secureServingGo = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/secure_serving.go", Ref: "v1.36.0", Chapter: "runserver",
	}
	upstreamServe           = secureServingGo.Func("server.SecureServingInfo.Serve")
	upstreamRunServerModern = secureServingGo.Func("server.RunServer")
)

// Serve is modern's serveSecurely: it builds the HTTPS server on the
// listener SecureServingOptions.ApplyTo bound (which must be there), with
// a 90s idle timeout and a 32s header timeout, logs "Serving securely on
// <addr>" and starts it with RunServer (modern's: runServerModern). It
// returns the two channels RunServer does. The walkthrough leaves out
// upstream's HTTP/2 tuning (stream and frame sizes), its dynamic serving
// certificates and its TLS handshake error log.
func (s *SecureServingInfo) Serve(ctx context.Context, handler http.Handler, shutdownTimeout time.Duration, stopCh <-chan struct{}) (_, _ <-chan struct{}, err error) {
	ctx, end := trace.Step(ctx, upstreamServe)
	defer end(&err)
	if s.Listener == nil {
		return nil, nil, fmt.Errorf("listener must not be nil")
	}
	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return nil, nil, err
	}
	secureServer := &http.Server{
		Addr:           s.Listener.Addr().String(),
		Handler:        handler,
		MaxHeaderBytes: 1 << 20,
		TLSConfig:      tlsConfig,

		IdleTimeout:       90 * time.Second, // matches http.DefaultTransport keep-alive timeout
		ReadHeaderTimeout: 32 * time.Second, // just shy of requestTimeoutUpperBound
	}
	trace.Log(ctx).Info().Msgf("Serving securely on %s", secureServer.Addr)
	return runServerModern(ctx, secureServer, s.Listener, shutdownTimeout, stopCh)
}

// runServerModern is RunServer as modern has it (secure_serving.go; the
// name only tells it from v1.7's in this package). Like v1.9's it takes
// the listener, which it requires, and stops with Shutdown; unlike it, it
// returns two channels its goroutines close: stoppedCh once Shutdown has
// returned (upstream's serverShutdownCh; a Shutdown that times out logs
// "Failed to shutdown server: <error>" first), and listenerStoppedCh once
// Serve has returned and "Stopped listening on <addr>" is logged. Its
// serving goroutine is v1.9's (RunServerV19 in serve_v19.go) with that
// close added: a twin, so that each era's code reads as its tag has it.
func runServerModern(ctx context.Context, server *http.Server, ln net.Listener, shutDownTimeout time.Duration, stopCh <-chan struct{}) (_, _ <-chan struct{}, err error) {
	ctx, end := trace.Step(ctx, upstreamRunServerModern)
	defer end(&err)
	if ln == nil {
		return nil, nil, fmt.Errorf("listener must not be nil")
	}
	closing := newShutdownListener(ctx, ln)

	// --8<-- [start:goroutines]
	// Shutdown server gracefully.
	serverShutdownCh := trace.Make(ctx, make(chan struct{}), "stoppedCh", goroutineShutdownModern)
	listenerStoppedCh := trace.Make(ctx, make(chan struct{}), "listenerStoppedCh", "RunServer: serve")
	trace.Go(ctx, goroutineShutdownModern, func(ctx context.Context) {
		defer trace.Close(ctx, serverShutdownCh)
		trace.Recv(ctx, stopCh)
		closing.closedBy(ctx)
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutDownTimeout)
		defer cancel()
		if err := server.Shutdown(shutdownCtx); err != nil {
			trace.Log(ctx).Error().Msgf("Failed to shutdown server: %v", err)
		}
	})

	trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		defer utilruntime.HandleCrash()
		defer trace.Close(ctx, listenerStoppedCh)
		if server.BaseContext == nil { // ours: requests carry the trace kit, not ctx's cancellation
			server.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
		}

		var listener net.Listener = closing.wrap(tcpKeepAliveListener{ln.(*net.TCPListener)})
		if server.TLSConfig != nil {
			listener = tls.NewListener(listener, server.TLSConfig)
		}

		err := server.Serve(listener)

		msg := fmt.Sprintf("Stopped listening on %s", ln.Addr().String())
		// A plain select: it only looks whether stopCh is closed.
		select {
		case <-stopCh:
			trace.Log(ctx).Info().Msg(msg)
		default:
			panic(fmt.Sprintf("%s due to error: %v", msg, err))
		}
	})
	// --8<-- [end:goroutines]
	return serverShutdownCh, listenerStoppedCh, nil
}

const goroutineShutdownModern = "RunServer: Shutdown on stopCh, then close stoppedCh"
