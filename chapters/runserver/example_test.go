package runserver_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// Example runs RunServer on a loopback port, closes stopCh, and prints
// what the caller and each of RunServer's goroutines recorded, lane by
// lane. The port is random; the output calls it PORT.
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

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "caller")
	if _, err := server.RunServer(ctx, &http.Server{Handler: http.NotFoundHandler()}, ln, "tcp", stopCh); err != nil {
		fmt.Println(err)
		return
	}
	trace.Close(ctx, stopCh)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	end(nil)

	for _, lane := range []string{"caller", "server.RunServer", "RunServer: close listener on stopCh", "RunServer: serve"} {
		fmt.Printf("[%s]\n%s", lane, strings.ReplaceAll(rec.Lane(lane), ln.Addr().String(), "127.0.0.1:PORT"))
	}
	// Output:
	// [caller]
	// chan.make stopCh
	// chan.close stopCh
	// [server.RunServer]
	// listener.open
	// [RunServer: close listener on stopCh]
	// chan.wait stopCh
	// chan.recv stopCh
	// listener.close
	// [RunServer: serve]
	// Stopped listening on 127.0.0.1:PORT
}
