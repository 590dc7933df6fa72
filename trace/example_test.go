package trace_test

import (
	"context"
	"fmt"
	"os"

	"github.com/kubewalk/kubewalk/trace"
)

// upstreamRunServer is what a step of the walkthrough declares about the
// upstream function it mirrors.
var upstreamRunServer = trace.Upstream{
	Function: "server.RunServer",
	File:     "staging/src/k8s.io/apiserver/pkg/server/serve.go",
	Ref:      "v1.7.0",
	Chapter:  "runserver",
}

// The console narration of a step that makes a channel, logs a line with
// a note, runs a goroutine to its end and closes the channel: a header
// line for the step, its lines indented under it, and the name of the
// goroutine whenever the lines change goroutine.
func Example_narration() {
	k, err := trace.Setup(trace.Config{Log: os.Stdout, NoColor: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Shutdown(context.Background(), trace.EndNormal)
	ctx, end := trace.Step(k.Context(context.Background()), upstreamRunServer)
	defer end(nil)

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the caller")
	trace.Log(ctx).Info().Str(trace.LogNoteKey, "the port is bound before Serve starts").
		Msg("Serving insecurely on 127.0.0.1:8080")
	<-trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		trace.Log(ctx).Info().Msg("Stopped listening on 127.0.0.1:8080")
	})
	trace.Close(ctx, stopCh)
	// Output:
	// ▸ server.RunServer · staging/src/k8s.io/apiserver/pkg/server/serve.go@v1.7.0 · chapter runserver
	//     chan.make stopCh (closed by the caller)
	//     Serving insecurely on 127.0.0.1:8080
	//       ↳ the port is bound before Serve starts
	//   [RunServer: serve]
	//     goroutine started in server.RunServer
	//     Stopped listening on 127.0.0.1:8080
	//     goroutine ended
	//   [main] server.RunServer
	//     chan.close stopCh
}
