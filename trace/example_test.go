package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
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

// A step: Step opens a span named after the upstream function, which ends
// with the error the function returns. The span says where the function
// is upstream and in this repository.
func ExampleStep() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()

	listen := func(ctx context.Context) (err error) {
		ctx, end := trace.Step(ctx, upstreamRunServer)
		defer end(&err)
		return errors.New("failed to listen on 127.0.0.1:8080: address already in use")
	}
	fmt.Println(listen(ctx))

	s := rec.Spans()[0]
	fmt.Println("span:", s.Name, "status:", s.Status.Code, s.Status.Description)
	for _, key := range []string{trace.KindKey, trace.UpstreamFileKey, trace.UpstreamRefKey, trace.ChapterKey, "code.file.path"} {
		fmt.Printf("  %s=%s\n", key, kittest.Attr(s, key))
	}
	// Output:
	// failed to listen on 127.0.0.1:8080: address already in use
	// span: server.RunServer status: Error failed to listen on 127.0.0.1:8080: address already in use
	//   walkthrough.kind=step
	//   walkthrough.upstream.file=staging/src/k8s.io/apiserver/pkg/server/serve.go
	//   walkthrough.upstream.ref=v1.7.0
	//   walkthrough.chapter=runserver
	//   code.file.path=trace/example_test.go
}

// A goroutine: Go stands for the go statement. The goroutine has a span
// of its own, a child of the step that started it, and the kit counts it
// from Go until fn returns; the channel Go returns is closed then.
func ExampleGo() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)

	done := trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		trace.Log(ctx).Info().Msg("Stopped listening on 127.0.0.1:8080")
	})
	<-done
	end(nil)

	g, step := rec.Spans()[0], rec.Spans()[1]
	fmt.Println(g.Name, "is a", kittest.Attr(g, trace.KindKey), "of", step.Name+":", g.Parent.SpanID() == step.SpanContext.SpanID())
	fmt.Print(rec.Lane("RunServer: serve"))
	st := rec.Kit.Stats()
	fmt.Println("started:", st.GoroutinesStarted, "ended:", st.GoroutinesEnded)
	// Output:
	// RunServer: serve is a goroutine of server.RunServer: true
	// Stopped listening on 127.0.0.1:8080
	// started: 1 ended: 1
}

// Make returns the channel it is given, named as upstream names it, with
// the goroutine or step that will close it. Until then the kit lists it
// as open.
func ExampleMake() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)
	defer end(nil)

	internalStopCh := trace.Make(ctx, make(chan struct{}), "internalStopCh", "NonBlockingRun's goroutine")
	fmt.Println(cap(internalStopCh), rec.Kit.Stats().Open)
	// Output:
	// 0 [chan internalStopCh (closed by NonBlockingRun's goroutine)]
}

// Recv is a receive, <-ch or v, ok := <-ch, recorded as chan.wait and
// chan.recv. It takes a channel of any element type and direction: the
// <-chan of a channel Make named has the same name.
func ExampleRecv() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)

	results := trace.Make(ctx, make(chan string, 1), "results", "the watcher")
	results <- "ADDED"
	var resultCh <-chan string = results
	event, ok := trace.Recv(ctx, resultCh)
	fmt.Println(event, ok)
	end(nil)

	fmt.Print(rec.Lane("server.RunServer"))
	// Output:
	// ADDED true
	// chan.make results
	// chan.wait results
	// chan.recv results
}

// Close records chan.close and closes the channel, so the close comes
// before the chan.recv of every goroutine it wakes: here the goroutine
// that forwards stopCh to internalStopCh, as NonBlockingRun's does.
func ExampleClose() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the caller")
	internalStopCh := trace.Make(ctx, make(chan struct{}), "internalStopCh", "the forwarder")
	trace.Close(ctx, stopCh) // before the forwarder starts, so the events' order is fixed
	forwarded := trace.Go(ctx, "the forwarder", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Close(ctx, internalStopCh)
	})
	<-forwarded
	_, open := <-internalStopCh
	end(nil)

	fmt.Println("internalStopCh open:", open)
	for _, e := range rec.Events() {
		fmt.Println(e)
	}
	// Output:
	// internalStopCh open: false
	// chan.make stopCh
	// chan.make internalStopCh
	// chan.close stopCh
	// chan.wait stopCh
	// chan.recv stopCh
	// chan.close internalStopCh
}

// Select and Selected record a select statement: a wait on each channel
// before it, and the receive of the case that ran. Meanwhile the kit shows
// the goroutine waiting on all of them.
func ExampleSelect() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)
	defer end(nil)

	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the caller")
	timeoutCh := trace.Make(ctx, make(chan struct{}), "timeoutCh", "nobody")
	waiting := make(chan trace.Stats, 1)
	done := trace.Go(ctx, "watch", func(ctx context.Context) {
		trace.Select(ctx, stopCh, timeoutCh)
		waiting <- rec.Kit.Stats()
		select {
		case <-stopCh:
			trace.Selected(ctx, stopCh)
		case <-timeoutCh:
			trace.Selected(ctx, timeoutCh)
		}
	})
	fmt.Println((<-waiting).Open[0])
	trace.Close(ctx, stopCh)
	<-done

	fmt.Print(rec.Lane("watch"))
	// Output:
	// goroutine watch (started by server.RunServer, waiting on stopCh or timeoutCh)
	// chan.wait stopCh
	// chan.wait timeoutCh
	// chan.recv stopCh
}

// ListenerOpen records a listener the caller has just opened, and
// CloseListener closes it, recorded: the two ends of RunServer's port.
func ExampleCloseListener() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	trace.ListenerOpen(ctx, ln)
	fmt.Println(len(rec.Kit.Stats().Open), "open")
	fmt.Println("close:", trace.CloseListener(ctx, ln))
	end(nil)

	st := rec.Kit.Stats()
	fmt.Println(st.ListenersOpened, "opened,", st.ListenersClosed, "closed,", len(st.Open), "open")
	for _, e := range rec.Events() {
		fmt.Println(e.Name, e.Attrs["network.local.address"])
	}
	// Output:
	// 1 open
	// close: <nil>
	// 1 opened, 1 closed, 0 open
	// listener.open 127.0.0.1
	// listener.close 127.0.0.1
}

// A log line: Log returns the logger of the step in ctx. Its lines carry
// the step's fields, go to the console, and are events on the step's span,
// named by the message. Upstream's messages stay in upstream's words; a
// note for the learner goes in the note field.
func ExampleLog() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)

	trace.Log(ctx).Info().Str(trace.LogNoteKey, "the port is bound before Serve starts").
		Msg("Serving insecurely on 127.0.0.1:8080")
	end(nil)

	fmt.Print(rec.Logs())
	e := rec.Events()[0]
	fmt.Println(e.Name, "|", e.Attrs[trace.LogStepKey], "|", e.Attrs[trace.LogNoteKey])
	// Output:
	// ▸ server.RunServer · staging/src/k8s.io/apiserver/pkg/server/serve.go@v1.7.0 · chapter runserver
	//     Serving insecurely on 127.0.0.1:8080
	//       ↳ the port is bound before Serve starts
	// Serving insecurely on 127.0.0.1:8080 | server.RunServer | the port is bound before Serve starts
}

// Request gives an HTTP request a span of its own when the kit was set up
// with Config.Requests; the handler's end reports the status.
func ExampleRequest() {
	rec := tracetest.NewInMemoryExporter()
	k, err := trace.Setup(trace.Config{Exporter: rec, Requests: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, end := trace.Request(r)
		defer func() { end(http.StatusNotFound) }()
		http.NotFound(w, r)
	})
	r := httptest.NewRequestWithContext(k.Context(context.Background()), "GET", "/no/such/path", nil)
	handler.ServeHTTP(httptest.NewRecorder(), r)

	s := rec.GetSpans()[0]
	fmt.Println(s.Name, kittest.Attr(s, trace.KindKey), kittest.Attr(s, "http.response.status_code"))
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		fmt.Println(err)
	}
	// Output:
	// GET /no/such/path request 404
}

// Setup builds the kit of one run; Shutdown writes its last span, the
// summary, with what was started and what is still open, and closes the
// trace file.
func ExampleSetup() {
	dir, err := os.MkdirTemp("", "kit")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	k, err := trace.Setup(trace.Config{TraceFile: filepath.Join(dir, "trace.json")})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, end := trace.Step(k.Context(context.Background()), upstreamRunServer)
	trace.Make(ctx, make(chan struct{}), "stopCh", "nobody")
	end(nil)
	st := k.Stats()
	fmt.Printf("steps %d, channels made %d, open %v\n", st.Steps, st.ChansMade, st.Open)
	if err := k.Shutdown(context.Background(), trace.EndError); err != nil {
		fmt.Println(err)
	}

	f, err := os.Open(filepath.Join(dir, "trace.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	for d := json.NewDecoder(f); ; {
		var span struct{ Name string }
		if d.Decode(&span) != nil {
			break
		}
		fmt.Println("span:", span.Name)
	}
	// Output:
	// steps 1, channels made 1, open [chan stopCh (closed by nobody)]
	// span: server.RunServer
	// span: walkthrough.summary
}

// An UpstreamFile names the file and tag once for the steps that mirror
// its functions.
func ExampleUpstreamFile() {
	serveGo := trace.UpstreamFile{Path: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.7.0", Chapter: "runserver"}
	fmt.Printf("%+v\n", serveGo.Func("server.RunServer") == upstreamRunServer)
	// Output: true
}

// Wait blocks until every goroutine started through the kit has returned;
// StatsFrom reads the kit's live state from any context that carries it,
// as a request handler's does.
func ExampleKit_Wait() {
	ctx, rec, err := kittest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.End()
	ctx, end := trace.Step(ctx, upstreamRunServer)
	defer end(nil)

	release := make(chan struct{})
	trace.Go(ctx, "worker", func(ctx context.Context) { <-release })
	st, _ := trace.StatsFrom(ctx)
	fmt.Println("running:", st.Open)
	close(release)
	if err := rec.Kit.Wait(ctx); err != nil {
		fmt.Println(err)
	}
	st, _ = trace.StatsFrom(ctx)
	fmt.Println("after Wait:", st.GoroutinesStarted, "started,", st.GoroutinesEnded, "ended")
	// Output:
	// running: [goroutine worker (started by server.RunServer)]
	// after Wait: 1 started, 1 ended
}
