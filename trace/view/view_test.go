package view_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/kubewalk/kubewalk/trace/view"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// record runs a tiny startup of era v1.7 under a kit writing to a trace
// file, and returns the file's bytes: a step makes stopCh, a goroutine
// waits on it, the step closes it.
func record(dir string) ([]byte, error) {
	path := filepath.Join(dir, "trace.json")
	k, err := trace.Setup(trace.Config{TraceFile: path, Version: "0.1.0", Era: "v1.7"})
	if err != nil {
		return nil, err
	}
	ctx, end := trace.Step(k.Context(context.Background()), trace.Upstream{
		Function: "app.Run", File: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "options"})
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "app.Run")
	done := trace.Go(ctx, "waiter", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Log(ctx).Info().Msg("Stopped waiting")
	})
	trace.Close(ctx, stopCh)
	select {
	case <-done:
	case <-time.After(kittest.Deadline):
		return nil, errors.New("the waiter never saw stopCh close")
	}
	end(nil)
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

var (
	lineTimes = regexp.MustCompile(`(?m)^ +\+\d+\.\d{3}ms`)
	times     = regexp.MustCompile(`\d+\.\d{3}ms`)
)

// The text timeline of a tiny run; times are replaced by T, since they
// differ on every run.
func ExampleText() {
	dir, _ := os.MkdirTemp("", "view")
	defer os.RemoveAll(dir)
	b, err := record(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	t, err := view.Read(bytes.NewReader(b))
	if err != nil {
		fmt.Println(err)
		return
	}
	var out strings.Builder
	view.Text(&out, t, view.Options{})
	fmt.Print(times.ReplaceAllString(lineTimes.ReplaceAllString(out.String(), "  +T"), "T"))
	// Output:
	// trace: T, spans 3, steps 1, goroutines 1
	// ended: normal
	// era: v1.7
	//
	// [main]
	//   +T  ▸ app.Run (T)
	//   +T    chan.make stopCh (closed by app.Run)
	//   +T    chan.close stopCh
	//
	// [goroutine 2: waiter] started by app.Run, +T → +T
	//   +T  chan.wait stopCh
	//   +T  chan.recv stopCh
	//   +T  log: Stopped waiting
	//
	// still open at the end: nothing
}

// recorded reads back a trace made by record, or fails t.
func recorded(t *testing.T) *view.Trace {
	t.Helper()
	b, err := record(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := view.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestReadGivesTheRunsResource(t *testing.T) {
	tr := recorded(t)
	want := map[string]string{"service.name": "kubewalk", "service.version": "0.1.0", trace.EraKey: "v1.7"}
	for k, v := range want {
		if tr.Resource[k] != v {
			t.Errorf("Resource[%q] = %q; want %q (resource %v)", k, tr.Resource[k], v, tr.Resource)
		}
	}
	if tr.Era() != "v1.7" {
		t.Errorf("Era() = %q; want v1.7", tr.Era())
	}
}

func TestMermaidDrawsTheHandOff(t *testing.T) {
	tr := recorded(t)
	var out strings.Builder
	if err := view.Mermaid(&out, tr, view.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"sequenceDiagram\n", "participant main\n", "participant g1 as waiter\n",
		"main->>g1: go\n", "Note over main: make stopCh\n", "Note over g1: wait on stopCh\n",
		"main-->>g1: stopCh closed\n", "Note over g1: Stopped waiting\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diagram lacks %q:\n%s", want, out.String())
		}
	}
}

func TestChapterKeepsOnlyItsSteps(t *testing.T) {
	tr := recorded(t)
	var out strings.Builder
	view.Text(&out, tr, view.Options{Chapter: "runserver"})
	if strings.Contains(out.String(), "app.Run") || strings.Contains(out.String(), "waiter") {
		t.Errorf("--chapter runserver shows another chapter's spans:\n%s", out.String())
	}
}

func TestReadRefusesWhatIsNotATrace(t *testing.T) {
	good, err := record(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "no spans: the file is empty"},
		{"blank", " \n\t\n", "no spans: the file is empty"},
		{"truncated", string(good[:len(good)/2]), "truncated: the file ends"},
		{"not JSON", "hello, world", "not a trace file: invalid JSON at byte 1"},
		{"binary", "\x00\x01\x02\xff", "not a trace file: invalid JSON at byte 1"},
		{"an array", "[1,2]", "object 1 is not a span: it is a JSON array, not an object"},
		{"an empty object", "{}", "object 1 is not a span: it has no Name, SpanContext.SpanID or StartTime"},
		{"a name only", `{"Name":"x"}`, "object 1 is not a span: it has no Name"},
		{"wrong types", `{"Name":1}`, "object 1 is not a span: its Name is a JSON number"},
		{"junk after spans", string(good) + "}", "not a trace file: invalid JSON at byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := view.Read(strings.NewReader(tt.input))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Read = %v; want an error starting %q", err, tt.want)
			}
		})
	}
}

func TestReadAcceptsPrettyPrintedTraces(t *testing.T) {
	good, err := record(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(good), []byte("\n")) {
		if err := json.Indent(&pretty, line, "", "\t"); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
	}
	a, err := view.Read(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	b, err := view.Read(&pretty)
	if err != nil {
		t.Fatalf("pretty-printed: %v", err)
	}
	if len(a.Spans) != len(b.Spans) || len(a.Lanes) != len(b.Lanes) {
		t.Errorf("pretty-printed trace read as %d spans, %d lanes; want %d, %d", len(b.Spans), len(b.Lanes), len(a.Spans), len(a.Lanes))
	}
}

// A damaged or hostile file must not reach the terminal or the diagram
// with control characters, HTML or Mermaid syntax in its names.
func TestRenderingEscapesWhatNamesCarry(t *testing.T) {
	input := `{"Name":"evil\u001b[31m","SpanContext":{"SpanID":"01"},"StartTime":"2026-01-01T00:00:00Z",` +
		`"Events":[{"Name":"chan.make","Time":"2026-01-01T00:00:00Z","Attributes":[{"Key":"chan.name","Value":{"Type":"STRING","Value":"a;b<b>#x"}}]}]}`
	tr, err := view.Read(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	var text, diagram strings.Builder
	view.Text(&text, tr, view.Options{})
	view.Mermaid(&diagram, tr, view.Options{})
	if strings.ContainsRune(text.String(), '\x1b') || !strings.Contains(text.String(), "no end time") {
		t.Errorf("text passes a control character through, or shows a negative duration:\n%q", text.String())
	}
	if !strings.Contains(diagram.String(), "Note over main: make a,b‹b›x\n") {
		t.Errorf("diagram does not neutralise ; < > #:\n%s", diagram.String())
	}
}

// recordServe runs a serving goroutine under a kit that traces requests,
// and returns the trace file's bytes: n requests for /healthz and one for
// /version, each served as WithTimeout serves it, in a goroutine of its own.
// Past limit requests (0: none), the kit only counts them.
func recordServe(dir string, n, limit int) ([]byte, error) {
	path := filepath.Join(dir, "serve.json")
	k, err := trace.Setup(trace.Config{TraceFile: path, Requests: true, MaxRequestSpans: limit})
	if err != nil {
		return nil, err
	}
	ctx, end := trace.Step(k.Context(context.Background()), trace.Upstream{
		Function: "server.RunServer", File: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.7.0", Chapter: "runserver"})
	<-trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		for i := range n + 1 {
			path := "/healthz"
			if i == n {
				path = "/version"
			}
			r, endRequest := trace.Request(httptest.NewRequest("GET", path, nil).WithContext(ctx))
			<-trace.Go(r.Context(), "WithTimeout: serve GET "+path, func(context.Context) {})
			endRequest(200)
		}
	})
	end(nil)
	if err := k.Shutdown(context.Background(), trace.EndSignal); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func TestTextCountsRequestsUnlessAll(t *testing.T) {
	b, err := recordServe(t.TempDir(), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := view.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	text := func(o view.Options) string {
		var out strings.Builder
		if err := view.Text(&out, tr, o); err != nil {
			t.Fatal(err)
		}
		return times.ReplaceAllString(out.String(), "T")
	}
	counted := text(view.Options{Requests: true})
	for _, want := range []string{
		"GET /healthz → 200  ×3, the last at +T\n",
		"GET /version → 200\n",
		"go WithTimeout: serve GET /healthz (3 goroutines, 2 to 4, one per request), the last ended +T\n",
		"go WithTimeout: serve GET /version (goroutine 5, one per request), the last ended +T\n",
		"(counted: traceview --all lists every request and every goroutine started for one)\n",
	} {
		if !strings.Contains(counted, want) {
			t.Errorf("the text lacks %q:\n%s", want, counted)
		}
	}
	if n := strings.Count(counted, "\n[goroutine"); n != 1 {
		t.Errorf("%d goroutine lanes; want 1, the serving goroutine:\n%s", n, counted)
	}

	all := text(view.Options{Requests: true, All: true})
	if n := strings.Count(all, "GET /healthz → 200\n"); n != 3 {
		t.Errorf("--all: %d lines for GET /healthz; want 3:\n%s", n, all)
	}
	if n := strings.Count(all, "\n[goroutine"); n != 5 {
		t.Errorf("--all: %d goroutine lanes; want 5:\n%s", n, all)
	}
}

func TestTextShowsTheRequestsWithoutASpan(t *testing.T) {
	b, err := recordServe(t.TempDir(), 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := view.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := view.Text(&out, tr, view.Options{Requests: true}); err != nil {
		t.Fatal(err)
	}
	text := times.ReplaceAllString(out.String(), "T")
	for _, want := range []string{
		"\nrequests without a span: 3, all past the first 1 (the walkthrough's --trace-requests-max); counted by method, path and status, " +
			"and the 3 goroutines started for them have no span either:\n",
		"\n  GET /healthz → 200  ×2  p50 T  p90 T  p99 T  max T\n  GET /version → 200  ×1  p50 T",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	var page strings.Builder
	if err := view.HTML(&page, tr, view.Options{Requests: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "<li>GET /healthz → 200  ×2  p50 ") {
		t.Error("the page does not list the requests without a span")
	}
}
