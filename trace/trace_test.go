package trace_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var upRunServer = trace.Upstream{
	Function: "server.RunServer",
	File:     "staging/src/k8s.io/apiserver/pkg/server/serve.go",
	Ref:      "v1.7.0",
	Chapter:  "runserver",
}

func TestStepRecordsUpstreamAndCaller(t *testing.T) {
	ctx, rec := kittest.New(t)
	_, end := trace.Step(ctx, upRunServer)
	end(nil)

	s := rec.Span(t, "server.RunServer")
	want := map[string]string{
		trace.KindKey:             trace.KindStep,
		"code.function.name":      "github.com/kubewalk/kubewalk/trace_test.TestStepRecordsUpstreamAndCaller",
		"code.file.path":          "trace/trace_test.go",
		trace.UpstreamFunctionKey: "server.RunServer",
		trace.UpstreamFileKey:     "staging/src/k8s.io/apiserver/pkg/server/serve.go",
		trace.UpstreamRefKey:      "v1.7.0",
		trace.ChapterKey:          "runserver",
	}
	for key, w := range want {
		if got := kittest.Attr(s, key); got != w {
			t.Errorf("attribute %s = %q; want %q", key, got, w)
		}
	}
	if got := kittest.Attr(s, "code.line.number"); got == "" || got == "0" {
		t.Errorf("code.line.number = %q; want the line of the Step call", got)
	}
	if got := rec.Kit.Stats().Steps; got != 1 {
		t.Errorf("Stats().Steps = %d; want 1", got)
	}
}

func TestStepRecordsError(t *testing.T) {
	ctx, rec := kittest.New(t)
	err := errors.New("failed to listen on 127.0.0.1:1: address already in use")
	_, end := trace.Step(ctx, upRunServer)
	end(&err)

	s := rec.Span(t, "server.RunServer")
	if s.Status.Code != codes.Error || s.Status.Description != err.Error() {
		t.Errorf("status = %v %q; want Error %q", s.Status.Code, s.Status.Description, err)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "exception" {
		t.Errorf("events = %v; want one exception event", s.Events)
	}
}

func TestLogLinesBecomeSpanEvents(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, upRunServer)
	trace.Log(ctx).Info().Str(trace.LogNoteKey, "the port is bound before Serve starts").
		Msg("Serving insecurely on 127.0.0.1:8080")
	end(nil)

	s := rec.Span(t, "server.RunServer")
	if len(s.Events) != 1 {
		t.Fatalf("events = %v; want the log line", s.Events)
	}
	e := kittest.Event{Attrs: map[string]string{}}
	for _, a := range s.Events[0].Attributes {
		e.Attrs[string(a.Key)] = a.Value.String()
	}
	if got, want := s.Events[0].Name, "Serving insecurely on 127.0.0.1:8080"; got != want {
		t.Errorf("event name = %q; want %q", got, want)
	}
	for key, want := range map[string]string{
		trace.LogLevelKey:    "info",
		trace.LogStepKey:     "server.RunServer",
		trace.LogUpstreamKey: "staging/src/k8s.io/apiserver/pkg/server/serve.go@v1.7.0",
		trace.LogNoteKey:     "the port is bound before Serve starts",
	} {
		if got := e.Attrs[key]; got != want {
			t.Errorf("event attribute %s = %q; want %q", key, got, want)
		}
	}
	want := "▸ server.RunServer · staging/src/k8s.io/apiserver/pkg/server/serve.go@v1.7.0 · chapter runserver\n" +
		"    Serving insecurely on 127.0.0.1:8080\n" +
		"      ↳ the port is bound before Serve starts\n"
	if got := rec.Logs(); got != want {
		t.Errorf("log = %q; want %q", got, want)
	}
}

// TestShutdownCascade plays RunServer's shape in miniature: a goroutine
// waits on stopCh, the caller closes it, and the goroutine closes a listener.
func TestShutdownCascade(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, endTest := trace.Step(ctx, trace.Upstream{Function: "test"})
	defer endTest(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")

	sctx, end := trace.Step(ctx, upRunServer)
	trace.ListenerOpen(sctx, ln)
	done := trace.Go(sctx, "RunServer: close listener on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.CloseListener(ctx, ln)
	})
	end(nil)

	st := rec.Kit.Stats()
	if st.GoroutinesStarted != 1 || len(st.Open) != 3 {
		t.Errorf("before close: Stats() = %+v; want 1 goroutine started, and it, stopCh and the listener open", st)
	}
	waitUntil(t, func() bool {
		st := rec.Kit.Stats()
		return len(st.Open) > 0 && strings.HasSuffix(st.Open[0].Detail, "waiting on stopCh")
	})
	trace.Close(ctx, stopCh)
	kittest.Await(t, done, "the goroutine to end")
	rec.Wait(t)
	endTest(nil)

	st = rec.Kit.Stats()
	if st.GoroutinesEnded != 1 || st.ChansClosed != 1 || st.ListenersClosed != 1 || len(st.Open) != 0 {
		t.Errorf("after close: Stats() = %+v; want everything ended", st)
	}
	var got []string
	for _, e := range rec.Events() {
		got = append(got, e.String())
	}
	want := []string{"chan.make stopCh", "listener.open", "chan.wait stopCh",
		"chan.close stopCh", "chan.recv stopCh", "listener.close"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q; want %q", got, want)
	}
	g := rec.Span(t, "RunServer: close listener on stopCh")
	step := rec.Span(t, "server.RunServer")
	if g.Parent.SpanID() != step.SpanContext.SpanID() {
		t.Errorf("goroutine span's parent = %v; want the step span %v", g.Parent.SpanID(), step.SpanContext.SpanID())
	}
	if kittest.Attr(g, trace.KindKey) != trace.KindGoroutine || kittest.Attr(g, trace.GoroutineNameKey) == "" {
		t.Errorf("goroutine span attributes = %v", g.Attributes)
	}
}

// waitUntil polls cond for up to a second.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 1s")
		}
	}
}

func TestShutdownWritesSummaryWithWhatIsOpen(t *testing.T) {
	ctx, rec := kittest.New(t)
	trace.Make(ctx, make(chan struct{}), "stopCh", "nobody")
	if err := rec.Kit.Shutdown(ctx, trace.EndError); err != nil {
		t.Fatal(err)
	}
	s := rec.Span(t, trace.SummarySpanName)
	if got := kittest.Attr(s, trace.EndingKey); got != "error" {
		t.Errorf("ending = %q; want error", got)
	}
	if len(s.Events) != 1 || s.Events[0].Name != trace.EventStillOpen {
		t.Errorf("summary events = %v; want one still.open", s.Events)
	}
}

// TestWithoutKitOnlyTheOperationsRun: without a kit, Go still starts its
// goroutine and the channel and listener operations still operate.
func TestWithoutKitOnlyTheOperationsRun(t *testing.T) {
	ctx := context.Background()
	ctx, end := trace.Step(ctx, upRunServer)
	ch := trace.Make(ctx, make(chan int, 1), "results", "the test")
	ch <- 7
	if v, ok := trace.Recv(ctx, ch); v != 7 || !ok {
		t.Errorf("Recv = %d, %t; want 7, true", v, ok)
	}
	trace.Close(ctx, ch)
	if v, ok := trace.Recv(ctx, ch); v != 0 || ok {
		t.Errorf("Recv after Close = %d, %t; want 0, false", v, ok)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	trace.ListenerOpen(ctx, ln)
	if err := trace.CloseListener(ctx, ln); err != nil {
		t.Errorf("CloseListener = %v; want nil", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after CloseListener = %v; want %v", err, net.ErrClosed)
	}
	trace.Log(ctx).Info().Msg("not written anywhere")
	ran := false
	kittest.Await(t, trace.Go(ctx, "plain goroutine", func(context.Context) { ran = true }), "the plain goroutine")
	end(nil)
	if !ran {
		t.Error("Go without a kit did not run fn")
	}
}

func TestTraceFileIsOneSpanPerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	k, err := trace.Setup(trace.Config{TraceFile: path, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := k.Context(context.Background())
	_, end := trace.Step(ctx, upRunServer)
	end(nil)
	if err := k.Shutdown(ctx, trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	names := readSpanNames(t, path)
	if want := []string{"server.RunServer", trace.SummarySpanName}; !slices.Equal(names, want) {
		t.Errorf("spans in file = %q; want %q", names, want)
	}
}

func readSpanNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var span struct{ Name string }
		if err := json.Unmarshal(sc.Bytes(), &span); err != nil {
			t.Fatalf("line %q is not a span: %v", sc.Text(), err)
		}
		names = append(names, span.Name)
	}
	return names
}

func TestSetupRejectsUnknownLogFormat(t *testing.T) {
	_, err := trace.Setup(trace.Config{LogFormat: "yaml"})
	if err == nil || !strings.Contains(err.Error(), `unknown log format "yaml" (allowed: console, json)`) {
		t.Errorf("Setup(LogFormat yaml) error = %v; want the allowed formats named", err)
	}
}

// TestPanicIsRecordedBeforeTheCrash runs itself in a child process, where a
// kit goroutine panics, and checks the child crashed and left a complete
// trace file that shows the panic.
//
// In the subtest "in a request without a span", the goroutine is started
// for a request past the limit of request spans: it has no span until it
// panics, and then it gets one.
func TestPanicIsRecordedBeforeTheCrash(t *testing.T) {
	if path := os.Getenv("KUBEWALK_PANIC_TRACE"); path != "" {
		k, err := trace.Setup(trace.Config{TraceFile: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx := k.Context(context.Background())
		if os.Getenv("KUBEWALK_PANIC_IN_REQUEST") != "" {
			r, _ := trace.Request(httptest.NewRequest("GET", "/", nil).WithContext(ctx)) // requests are not recorded
			ctx = r.Context()
		}
		done := trace.Go(ctx, "doomed", func(context.Context) { panic("Stopped listening on 127.0.0.1:1 due to error: boom") })
		select {
		case <-done:
		case <-time.After(kittest.Deadline):
		}
		t.Fatal("the goroutine's panic did not crash the process")
	}
	t.Run("in a goroutine", func(t *testing.T) { checkPanicTrace(t) })
	t.Run("in a request without a span", func(t *testing.T) { checkPanicTrace(t, "KUBEWALK_PANIC_IN_REQUEST=1") })
}

func checkPanicTrace(t *testing.T, env ...string) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestPanicIsRecordedBeforeTheCrash$")
	cmd.Env = append(append(os.Environ(), "KUBEWALK_PANIC_TRACE="+path), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child exited 0; want a crash. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "panic: Stopped listening on 127.0.0.1:1 due to error: boom") {
		t.Errorf("child output lacks the panic message:\n%s", out)
	}
	if names := readSpanNames(t, path); !slices.Equal(names, []string{"doomed", trace.SummarySpanName}) {
		t.Errorf("spans in file = %q; want the goroutine and the summary", names)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"exception"`, `"Code":"Error"`, `"Value":"panic"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("trace file lacks %s:\n%s", want, b)
		}
	}
}

func TestPauseIsCalledAroundEveryStep(t *testing.T) {
	var calls []string
	k, err := trace.Setup(trace.Config{Pause: func(up trace.Upstream, ended bool) {
		calls = append(calls, fmt.Sprintf("%s %v", up.Function, ended))
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, outer := trace.Step(k.Context(context.Background()), trace.Upstream{Function: "outer"})
	_, inner := trace.Step(ctx, trace.Upstream{Function: "inner"})
	inner(nil)
	outer(nil)
	if want := []string{"outer false", "inner false", "inner true", "outer true"}; !slices.Equal(calls, want) {
		t.Errorf("Pause calls = %q; want %q", calls, want)
	}
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Error(err)
	}
}

// The trace file is written while the run goes on, not only when it ends:
// a span is in the file within trace.FlushInterval of ending, without a
// shutdown. (The test waits up to kittest.Deadline, a bound on a bug.)
func TestTraceFileIsWrittenBeforeTheEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	k, err := trace.Setup(trace.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Shutdown(context.Background(), trace.EndNormal)
	_, end := trace.Step(k.Context(context.Background()), upRunServer)
	end(nil)
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(trace.FlushInterval / 10) {
		if names := readSpanNames(t, path); slices.Equal(names, []string{"server.RunServer"}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the step's span is not in the file %v after it ended", kittest.Deadline)
		}
	}
}

// No span is dropped when they end faster than they are written: the
// goroutines ending them wait instead.
func TestTraceFileKeepsEverySpan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	k, err := trace.Setup(trace.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := k.Context(context.Background())
	const n = 4 * trace.BatchSize
	var done []<-chan struct{}
	for range 4 {
		done = append(done, trace.Go(ctx, "worker", func(ctx context.Context) {
			for range n / 4 {
				_, end := trace.Step(ctx, upRunServer)
				end(nil)
			}
		}))
	}
	for _, d := range done {
		kittest.Await(t, d, "a worker")
	}
	if err := k.Shutdown(ctx, trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	names := readSpanNames(t, path)
	if steps := slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s != "server.RunServer" }); len(steps) != n || len(names) != n+5 {
		t.Errorf("the file has %d spans, %d of them steps; want %d steps, 4 goroutines and the summary", len(names), len(steps), n)
	}
}

// TestExitWritesTheTrace: trace.Exit, the second signal's exit, writes the
// spans still waiting and the summary before the process exits.
func TestExitWritesTheTrace(t *testing.T) {
	if path := os.Getenv("KUBEWALK_EXIT_TRACE"); path != "" {
		k, err := trace.Setup(trace.Config{TraceFile: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx, end := trace.Step(k.Context(context.Background()), upRunServer)
		end(nil)
		trace.Exit(ctx, 3, trace.EndSecondSignal)
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestExitWritesTheTrace$")
	cmd.Env = append(os.Environ(), "KUBEWALK_EXIT_TRACE="+path)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("child exited %d; want 3. Output:\n%s", code, out)
	}
	if names := readSpanNames(t, path); !slices.Equal(names, []string{"server.RunServer", trace.SummarySpanName}) {
		t.Errorf("spans in file = %q; want the step and the summary", names)
	}
}

// Past Config.MaxRequestSpans, a request and the goroutines started for
// it get no span; the summary counts them by method, path and status.
func TestRequestsPastTheLimitAreCounted(t *testing.T) {
	exp := keeping{tracetest.NewInMemoryExporter()}
	k, err := trace.Setup(trace.Config{Exporter: exp, Requests: true, MaxRequestSpans: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := k.Context(context.Background())
	for i := range 5 {
		path := []string{"/a", "/b"}[i%2]
		r, end := trace.Request(httptest.NewRequest("GET", path, nil).WithContext(ctx))
		kittest.Await(t, trace.Go(r.Context(), "serve "+path, func(context.Context) {}), "a request's goroutine")
		end(200)
	}
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var summary tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		kinds[kittest.Attr(s, trace.KindKey)]++
		if s.Name == trace.SummarySpanName {
			summary = s
		}
	}
	if kinds[trace.KindRequest] != 2 || kinds[trace.KindGoroutine] != 2 {
		t.Errorf("spans by kind %v; want 2 requests and their 2 goroutines", kinds)
	}
	for key, want := range map[string]string{trace.RequestsRecordedKey: "2", trace.RequestsUnrecordedKey: "3",
		trace.GoroutinesUnrecordedKey: "3", trace.RequestSpansLimitKey: "2"} {
		if got := kittest.Attr(summary, key); got != want {
			t.Errorf("summary %s = %s; want %s", key, got, want)
		}
	}
	var groups []string
	for _, e := range summary.Events {
		if e.Name == trace.EventRequestsCounted {
			a := map[string]string{}
			for _, kv := range e.Attributes {
				a[string(kv.Key)] = kv.Value.String()
			}
			groups = append(groups, a["url.path"]+" "+a["http.response.status_code"]+" ×"+a[trace.RequestsCountKey])
		}
	}
	if want := []string{"/a 200 ×2", "/b 200 ×1"}; !slices.Equal(groups, want) {
		t.Errorf("counted %q; want %q", groups, want)
	}
}

// keeping keeps its spans when the kit shuts down; the in-memory exporter
// alone forgets them.
type keeping struct{ *tracetest.InMemoryExporter }

func (keeping) Shutdown(context.Context) error { return nil }

// A kit writing its trace to Config.TraceWriter records log lines as
// span events, as one writing to a file does.
func TestTraceWriterGetsTheLogLines(t *testing.T) {
	var b strings.Builder
	k, err := trace.Setup(trace.Config{TraceWriter: &b})
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := trace.Step(k.Context(context.Background()), upRunServer)
	trace.Log(ctx).Info().Msg("Serving securely")
	end(nil)
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"Events":[{"Name":"Serving securely"`) {
		t.Errorf("the trace lacks the log line as an event:\n%s", b.String())
	}
}
