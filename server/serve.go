package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
)

var upstreamRunServer = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.7.0", Chapter: "runserver",
}.Func("server.RunServer")

// defaultKeepAlivePeriod is upstream's keep-alive period for accepted
// connections.
const defaultKeepAlivePeriod = 3 * time.Minute

// ReadHeaderTimeout is how long RunServer lets a client take to send a
// request's headers, unless the server sets its own: kube-apiserver's
// value since v1.23, "just shy of" its longest request timeout. v1.7 set
// none, so a client that sent its headers a byte at a time held a
// connection, and its goroutine, for as long as it liked.
const ReadHeaderTimeout = 32 * time.Second

// RunServer listens on server.Addr, or takes ln when the caller bound it
// already, then starts two goroutines and returns the bound port without
// blocking:
//
//   - one waits for stopCh to close and then closes the listener;
//   - one serves server on the listener (through TLS when server.TLSConfig
//     is set). When Serve returns it logs "Stopped listening on <addr>" if
//     stopCh is closed, and panics with that message and Serve's error if
//     not: a listener that dies while the server should be running is a
//     crash, not a quiet return.
//
// Listening happens before RunServer returns, so an address in use is an
// error here, not in a goroutine. network defaults to "tcp"; it is unused
// when ln is given. ln must be a TCP listener. RunServer
// never waits for requests in flight: closing stopCh only closes the
// listener. The caller owns stopCh and must close it to end both goroutines.
//
// A server without a ReadHeaderTimeout gets [ReadHeaderTimeout] (ours:
// upstream added it in v1.23, where each server is built).
func RunServer(ctx context.Context, server *http.Server, ln net.Listener, network string, stopCh <-chan struct{}) (_ int, err error) {
	ctx, end := trace.Step(ctx, upstreamRunServer)
	defer end(&err)
	if server.ReadHeaderTimeout == 0 {
		server.ReadHeaderTimeout = ReadHeaderTimeout
	}

	// --8<-- [start:listen]
	if ln == nil {
		if len(server.Addr) == 0 {
			return 0, errors.New("address cannot be empty")
		}
		if len(network) == 0 {
			network = "tcp"
		}
		ln, err = net.Listen(network, server.Addr)
		if err != nil {
			return 0, fmt.Errorf("failed to listen on %v: %v", server.Addr, err)
		}
	}
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		ln.Close()
		return 0, fmt.Errorf("invalid listen address: %q", ln.Addr().String())
	}
	trace.ListenerOpen(ctx, ln)
	// --8<-- [end:listen]

	// --8<-- [start:goroutines]
	// Stop the server by closing the listener.
	trace.Go(ctx, "RunServer: close listener on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.CloseListener(ctx, ln)
	})

	trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		defer utilruntime.HandleCrash()
		if server.BaseContext == nil { // ours: requests carry the trace kit
			server.BaseContext = func(net.Listener) context.Context { return ctx }
		}

		var listener net.Listener = tcpKeepAliveListener{ln.(*net.TCPListener)}
		if server.TLSConfig != nil {
			listener = tls.NewListener(listener, server.TLSConfig)
		}

		err := server.Serve(listener)

		msg := fmt.Sprintf("Stopped listening on %s", tcpAddr.String())
		// A plain select: it only looks whether stopCh is closed, without
		// waiting, so the trace has nothing to show until the log line.
		select {
		case <-stopCh:
			trace.Log(ctx).Info().Msg(msg)
		default:
			panic(fmt.Sprintf("%s due to error: %v", msg, err))
		}
	})
	// --8<-- [end:goroutines]

	return tcpAddr.Port, nil
}

// tcpKeepAliveListener turns on TCP keep-alive for every connection it
// accepts, so connections to clients that vanished are noticed and closed.
type tcpKeepAliveListener struct {
	*net.TCPListener
}

func (ln tcpKeepAliveListener) Accept() (net.Conn, error) {
	tc, err := ln.AcceptTCP()
	if err != nil {
		return nil, err
	}
	tc.SetKeepAlive(true)
	tc.SetKeepAlivePeriod(defaultKeepAlivePeriod)
	return tc, nil
}
