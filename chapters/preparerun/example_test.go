package preparerun_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"k8s.io/client-go/rest"
)

// Example builds a server, runs PrepareRun().Run on a loopback port with
// a self-signed certificate, asks /healthz over TLS, closes stopCh, and
// prints what each step and goroutine recorded, lane by lane.
func Example() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "caller"})

	s, err := newSecureServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "caller")
	runErr := make(chan error, 1)
	ran := trace.Go(ctx, "caller: Run", func(ctx context.Context) {
		runErr <- s.PrepareRun(ctx).Run(ctx, stopCh)
	})

	fmt.Println(healthz(s.SecureServingInfo.Listener.Addr().String()))
	trace.Close(ctx, stopCh)
	<-ran // a plain receive: the example's own join, not a channel of the story
	fmt.Println("Run returned", <-runErr)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	end(nil)

	for _, lane := range []string{"caller", "server.GenericAPIServer.PrepareRun", "server.preparedGenericAPIServer.Run", "server.preparedGenericAPIServer.NonBlockingRun",
		"NonBlockingRun: close internalStopCh on stopCh", "RunServer: close listener on stopCh"} {
		fmt.Printf("[%s]\n%s", lane, rec.Lane(lane))
	}
	// Output:
	// GET /healthz: 200 OK over TLS 1.3
	// Run returned <nil>
	// [caller]
	// chan.make stopCh
	// chan.close stopCh
	// [server.GenericAPIServer.PrepareRun]
	// installed /healthz
	// [server.preparedGenericAPIServer.Run]
	// chan.wait stopCh
	// chan.recv stopCh
	// [server.preparedGenericAPIServer.NonBlockingRun]
	// chan.make internalStopCh
	// [NonBlockingRun: close internalStopCh on stopCh]
	// chan.wait stopCh
	// chan.recv stopCh
	// chan.close internalStopCh
	// [RunServer: close listener on stopCh]
	// chan.wait internalStopCh
	// chan.recv internalStopCh
	// listener.close
}

// newSecureServer returns a server that will serve TLS on a loopback port
// with a certificate made for 127.0.0.1.
func newSecureServer() (*server.GenericAPIServer, error) {
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("127.0.0.1", nil, nil)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := server.NewConfig()
	c.SecureServingInfo = &server.SecureServingInfo{BindAddress: ln.Addr().String(), Listener: ln, Cert: &pair}
	// New wants a loopback client config; this server has no hooks to use it.
	c.LoopbackClientConfig = &rest.Config{Host: "https://" + ln.Addr().String()}
	return c.Complete().New(context.Background(), "example", server.EmptyDelegate)
}

// healthz asks addr's /healthz until it answers (the server starts in
// another goroutine), at most 100 times.
func healthz(addr string) string {
	c := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // self-signed
		DisableKeepAlives: true,
	}}
	var last error
	for range 100 {
		resp, err := c.Get("https://" + addr + "/healthz")
		if err != nil {
			last = err
			continue
		}
		resp.Body.Close()
		return fmt.Sprintf("GET /healthz: %s over %s", resp.Status, tls.VersionName(resp.TLS.Version))
	}
	return last.Error()
}
