package nonblockingrun_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// Example builds the insecure handler chain around a handler that says
// who the request is from, serves it with NonBlockingRun on a loopback
// port, sends one request, closes stopCh, and prints what the caller, the
// step and each goroutine recorded, lane by lane. The port is random; the
// output calls it PORT.
func Example() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "caller"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	info := &nonblockingrun.InsecureServingInfo{BindAddress: ln.Addr().String(), Listener: ln}
	handler := nonblockingrun.BuildInsecureHandlerChain(ctx, whoami, server.NewConfig().Complete().Config)

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "caller")
	if err := nonblockingrun.NonBlockingRun(ctx, info, handler, stopCh); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(get("http://" + info.BindAddress + "/"))
	trace.Close(ctx, stopCh)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	end(nil)

	for _, lane := range []string{"caller", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely",
		"NonBlockingRun: close internalStopCh on stopCh", "RunServer: close listener on stopCh", "RunServer: serve"} {
		fmt.Printf("[%s]\n%s", lane, strings.ReplaceAll(rec.Lane(lane), info.BindAddress, "127.0.0.1:PORT"))
	}
	// Output:
	// GET / → 200 system:unsecured system:masters,system:authenticated
	// [caller]
	// chan.make stopCh
	// chan.close stopCh
	// [kubeserver.NonBlockingRun]
	// chan.make internalStopCh
	// [kubeserver.serveInsecurely]
	// Serving insecurely on 127.0.0.1:PORT
	// [NonBlockingRun: close internalStopCh on stopCh]
	// chan.wait stopCh
	// chan.recv stopCh
	// chan.close internalStopCh
	// [RunServer: close listener on stopCh]
	// chan.wait internalStopCh
	// chan.recv internalStopCh
	// listener.close
	// [RunServer: serve]
	// Stopped listening on 127.0.0.1:PORT
}

// get sends one GET without keeping the connection, so that closing the
// listener ends everything, and returns the status and body.
func get(url string) string {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("GET / → %d %s", resp.StatusCode, body)
}
