package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

var upstreamRunServerV19 = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.9.0", Chapter: "runserver",
}.Func("server.RunServer")

// RunServerV19 is RunServer as v1.9 has it (serve.go at v1.9.0; the
// suffix only tells it from v1.7's in this package). It takes a listener
// already bound, which it requires, and starts two goroutines, returning
// without blocking:
//
//   - one waits for stopCh to close and then calls server.Shutdown with a
//     context of shutDownTimeout: Shutdown closes the listener, then waits
//     for the connections in use to go idle, for at most shutDownTimeout.
//     Its error is ignored, and nothing waits for this goroutine (a
//     channel for that came in v1.14).
//   - one serves, as v1.7's does: when Serve returns it logs "Stopped
//     listening on <addr>" if stopCh is closed, and panics if not.
//
// Shutdown makes Serve return at once, so "Stopped listening" comes before
// the requests in flight are answered; it is v1.9's Run, not RunServer,
// that waits for them (run_v19.go). RunServerV19 fails only when ln is
// nil. ln must be a TCP listener, as upstream's type assertion requires.
// Its serving goroutine is modern's (runServerModern in secure_serving.go)
// but for the close of listenerStoppedCh, as upstream's are: the two are
// kept as twins so that each era's code reads as its tag has it.
func RunServerV19(ctx context.Context, server *http.Server, ln net.Listener, shutDownTimeout time.Duration, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRunServerV19)
	defer end(&err)
	if ln == nil {
		return fmt.Errorf("listener must not be nil")
	}
	if server.ReadHeaderTimeout == 0 {
		server.ReadHeaderTimeout = ReadHeaderTimeout
	}
	closing := newShutdownListener(ctx, ln)

	// --8<-- [start:goroutines]
	// Shutdown server gracefully.
	trace.Go(ctx, "RunServer: Shutdown on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		closing.closedBy(ctx)
		ctx2, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutDownTimeout)
		server.Shutdown(ctx2)
		cancel()
	})

	trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		defer utilruntime.HandleCrash()
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
	return nil
}

// shutdownListener records in the trace the close of a listener that
// http.Server.Shutdown makes, in the goroutine that called Shutdown (ours:
// v1.9's and modern's RunServer let Shutdown close the listener, where
// v1.7's closes it itself).
type shutdownListener struct {
	ln     net.Listener // as the trace opened it
	closer atomic.Pointer[context.Context]
}

func newShutdownListener(ctx context.Context, ln net.Listener) *shutdownListener {
	l := &shutdownListener{ln: ln}
	l.closer.Store(&ctx)
	return l
}

// closedBy makes ctx's goroutine the one the close is recorded in.
func (l *shutdownListener) closedBy(ctx context.Context) { l.closer.Store(&ctx) }

// wrap returns inner, which serves l's listener, with a Close that records
// the close once and closes the listener.
func (l *shutdownListener) wrap(inner net.Listener) net.Listener {
	return &recordedClose{Listener: inner, l: l}
}

type recordedClose struct {
	net.Listener
	l    *shutdownListener
	once sync.Once
	err  error
}

func (r *recordedClose) Close() error {
	r.once.Do(func() { r.err = trace.CloseListener(*r.l.closer.Load(), r.l.ln) })
	return r.err
}
