package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/kubewalk/kubewalk/trace/view"
)

// runEraTour is runTour in an era, and also returns the trace file's path.
func runEraTour(t *testing.T, era server.Era, args ...string) (*kittest.Trace, outputs, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), append([]string{"--era=" + era.String(), "--trace-file", path, "--log-format", "console"}, args...),
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("--era=%s: exit code %d; want 0. Log:\n%s", era, code, stderr.String())
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndNormal)
	return tr, outputs{stdout.String(), stderr.String()}, path
}

// Each era's tour runs to a normal end with every goroutine, channel and
// listener ended (and goleak, in TestMain, sees none left), records its
// era, and has its era's steps: how the chain is built and where the
// secure port is bound.
func TestEachEraTakesTheTour(t *testing.T) {
	tests := []struct {
		era       server.Era
		steps     []string // steps it must have
		notSteps  []string // steps it must not have
		boundIn   string   // the step the secure port's listener.open is in
		listeners string   // listeners opened
	}{
		{server.EraV17, []string{"app.Run", "kubeserver.NonBlockingRun"},
			[]string{"app.CreateServerChain", "options.CreateListener", "server.GenericAPIServer.RunPreShutdownHooks"}, "server.RunServer", "2"},
		{server.EraV19, []string{"app.Run", "app.CreateServerChain", "kubeserver.NonBlockingRun", "server.GenericAPIServer.RunPreShutdownHooks"},
			[]string{"app.NewConfig", "server.preparedGenericAPIServer.RunWithContext"}, "app.CreateKubeAPIServerConfig", "2"},
		{server.EraModern, []string{"app.Run", "app.NewConfig", "app.CreateServerChain", "server.preparedGenericAPIServer.RunWithContext",
			"server.SetupSignalContext", "server.GenericAPIServer.RunPreShutdownHooks"},
			[]string{"app.CreateNodeDialer", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely"}, "app.CreateKubeAPIServerConfig", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.era.String(), func(t *testing.T) {
			tr, _, path := runEraTour(t, tt.era)
			vt := readView(t, path)
			if vt.Era() != tt.era.String() {
				t.Errorf("the trace's era is %q; want %q", vt.Era(), tt.era)
			}
			for _, s := range tt.steps {
				if len(tr.Named(s)) == 0 {
					t.Errorf("no step %s", s)
				}
			}
			for _, s := range tt.notSteps {
				if len(tr.Named(s)) != 0 {
					t.Errorf("a step %s, which %s has not", s, tt.era)
				}
			}
			if got := tr.Summary(t).Attr(trace.ListenersOpenedKey); got != tt.listeners {
				t.Errorf("%s listeners opened; want %s", got, tt.listeners)
			}
			if in := spanOfFirst(tr, trace.EventListenerOpen, tt.boundIn); !in {
				t.Errorf("the first listener.open is not inside %s", tt.boundIn)
			}
		})
	}
}

// spanOfFirst reports whether the first event named name happened in the
// step named step or in a step or goroutine under it.
func spanOfFirst(tr *kittest.Trace, name, step string) bool {
	byID := map[string]kittest.Span{}
	for _, s := range tr.Spans {
		byID[s.ID] = s
	}
	for _, e := range tr.Events() {
		if e.Name != name {
			continue
		}
		for id := e.SpanID; id != ""; id = byID[id].Parent {
			if byID[id].Name == step {
				return true
			}
		}
		return false
	}
	return false
}

// closes returns the names of the channels closed, "listener.close" for
// each listener closed and "Stopped listening" for each such line, in the
// kit's order.
func closes(tr *kittest.Trace) []string {
	var got []string
	for _, e := range tr.Events() {
		switch {
		case e.Name == trace.EventChanClose:
			got = append(got, e.Attrs[trace.ChanNameKey])
		case e.Name == trace.EventListenerClose:
			got = append(got, "listener.close")
		case strings.HasPrefix(e.Name, "Stopped listening on"):
			got = append(got, "Stopped listening")
		}
	}
	return got
}

// seqOf returns the kit's sequence number of the first event of name
// whose channel is ch (any channel when ch is ""), or -1.
func seqOf(tr *kittest.Trace, name, ch string) int64 {
	for _, e := range tr.Events() {
		if e.Name == name && (ch == "" || e.Attrs[trace.ChanNameKey] == ch) {
			return e.Seq
		}
	}
	return -1
}

// inOrder fails t unless each pair's first is closed before its second.
func inOrder(t *testing.T, order []string, pairs ...[2]string) {
	t.Helper()
	for _, p := range pairs {
		i, j := slices.Index(order, p[0]), slices.Index(order, p[1])
		if i < 0 || j < 0 || i > j {
			t.Errorf("%s is not before %s in %q", p[0], p[1], order)
		}
	}
}

// Each era's shutdown, in the order its trace recorded. Modern's follows
// upstream's lifecycle signals; where upstream fixes no order (the delay's
// ShutdownInitiated and the pre-shutdown hooks' PreShutdownHooksStopped
// both follow stopCh; HTTPServerStoppedListening and
// InFlightRequestsDrained both follow NotAcceptingNewRequest when nothing
// is in flight) the test asserts none.
func TestEachEraShutsDownInItsOrder(t *testing.T) {
	t.Run("v1.7", func(t *testing.T) {
		tr, _, _ := runEraTour(t, server.EraV17)
		inOrder(t, closes(tr), [2]string{"stopCh", "internalStopCh"}, [2]string{"internalStopCh", "listener.close"},
			[2]string{"listener.close", "Stopped listening"})
	})
	t.Run("v1.9", func(t *testing.T) {
		tr, out, _ := runEraTour(t, server.EraV19, "-v") // the wait's lines are debug lines (ours)
		order := closes(tr)
		inOrder(t, order, [2]string{"stopCh", "internalStopCh"}, [2]string{"internalStopCh", "listener.close"},
			[2]string{"listener.close", "Stopped listening"}, [2]string{"internalStopCh", "auditStopCh"})
		// Run ran the pre-shutdown hooks, then waited for the requests.
		hooks := tr.Span(t, "server.GenericAPIServer.RunPreShutdownHooks")
		if hooks.Attr(trace.UpstreamRefKey) != "v1.9.0" {
			t.Errorf("RunPreShutdownHooks mirrors %s; want v1.9.0", hooks.Attr(trace.UpstreamRefKey))
		}
		if !strings.Contains(out.stderr, "HandlerChainWaitGroup.Wait() returned") && !strings.Contains(logEvents(tr), "HandlerChainWaitGroup.Wait() returned") {
			t.Error("Run did not wait for HandlerChainWaitGroup")
		}
	})
	t.Run("modern", func(t *testing.T) {
		tr, _, _ := runEraTour(t, server.EraModern)
		inOrder(t, closes(tr),
			[2]string{"stopCh", "ShutdownInitiated"},
			[2]string{"stopCh", "PreShutdownHooksStopped"},
			[2]string{"ShutdownInitiated", "AfterShutdownDelayDuration"},
			[2]string{"AfterShutdownDelayDuration", "NotAcceptingNewRequest"},
			[2]string{"PreShutdownHooksStopped", "NotAcceptingNewRequest"},
			[2]string{"NotAcceptingNewRequest", "stopHTTPServerCtx"},
			[2]string{"stopHTTPServerCtx", "internalStopCh"},
			[2]string{"internalStopCh", "listener.close"},
			[2]string{"listener.close", "Stopped listening"},
			[2]string{"Stopped listening", "listenerStoppedCh"},
			[2]string{"listenerStoppedCh", "HTTPServerStoppedListening"},
			[2]string{"NotAcceptingNewRequest", "nonLongRunningRequestDrainedCh"},
			[2]string{"NotAcceptingNewRequest", "activeWatchesDrainedCh"},
			[2]string{"nonLongRunningRequestDrainedCh", "InFlightRequestsDrained"},
			[2]string{"activeWatchesDrainedCh", "InFlightRequestsDrained"},
			[2]string{"listener.close", "stoppedCh"},
			// The tour's watch ends at NotAcceptingNewRequest
			// (--shutdown-watch-termination-grace-period, which the tour sets).
			[2]string{"NotAcceptingNewRequest", "result"},
			[2]string{"result", "activeWatchesDrainedCh"},
		)
		if !slices.Contains(closes(tr), "HasBeenReady") {
			t.Error("HasBeenReady never closed: the tour's /readyz never succeeded")
		}
	})
}

// logEvents is every log line the trace recorded, one per line.
func logEvents(tr *kittest.Trace) string {
	var b strings.Builder
	for _, e := range tr.Events() {
		if e.Attrs[trace.LogLevelKey] != "" {
			b.WriteString(e.Name + "\n")
		}
	}
	return b.String()
}

// With --shutdown-delay-duration, /readyz fails while /healthz and
// /livez pass, during the delay: the tour's probes come before
// AfterShutdownDelayDuration, and before the listener closes.
func TestModernDelayFailsReadyzWhileHealthzAndLivezPass(t *testing.T) {
	tr, _, _ := runEraTour(t, server.EraModern, "--shutdown-delay-duration=2s")
	delayEnd := seqOf(tr, trace.EventChanClose, "AfterShutdownDelayDuration")
	for _, want := range []string{"/readyz → 500", "/healthz → 200", "/livez → 200"} {
		probe := int64(-1)
		for _, e := range tr.Events() {
			if strings.HasPrefix(e.Name, "GET ") && strings.HasSuffix(e.Name, want) {
				probe = e.Seq
			}
		}
		if probe < 0 || probe > delayEnd {
			t.Errorf("GET …%s at event %d; want it during the delay, before its end (event %d)", want, probe, delayEnd)
		}
	}
	if closeSeq := seqOf(tr, trace.EventListenerClose, ""); closeSeq < delayEnd {
		t.Errorf("the listener closed (event %d) before the delay ended (event %d)", closeSeq, delayEnd)
	}
}

// --break=slow-request: a request in flight when stopCh closes is cut
// off in v1.7 (Run returns at once; the process exit, which the tour's
// hanging up stands in for, cuts it), and answered in v1.9 and modern
// (Run waits for it), after the listeners stopped, and before app.Run
// returns.
func TestSlowRequestPerEra(t *testing.T) {
	for _, era := range server.Eras {
		t.Run(era.String(), func(t *testing.T) {
			tr, out, _ := runEraTour(t, era, "--break=slow-request", "-v")
			var slow kittest.Span
			for _, s := range tr.Spans {
				if s.Attr(trace.KindKey) == trace.KindRequest && s.Name == "GET /debug/walkthrough/slow" {
					slow = s
				}
			}
			if slow.ID == "" {
				t.Fatal("no request span for the slow request")
			}
			cut := slices.ContainsFunc(slow.Events, func(e kittest.Event) bool { return e.Name == trace.EventRequestCut })
			stopped := strings.LastIndex(out.stderr, "Stopped listening on")
			if era == server.EraV17 {
				if !cut || slow.Attr("http.response.status_code") != "" || !strings.Contains(out.stderr, "/debug/walkthrough/slow → no response: cut off") {
					t.Errorf("v1.7: the slow request was not cut off (cut %v, status %q)", cut, slow.Attr("http.response.status_code"))
				}
				return
			}
			answered := strings.Index(out.stderr, "/debug/walkthrough/slow → 200")
			if cut || slow.Attr("http.response.status_code") != "200" || answered < stopped || stopped < 0 {
				t.Errorf("%s: the slow request was not answered after the listeners closed (cut %v, status %q)", era, cut, slow.Attr("http.response.status_code"))
			}
			// Run waited for it: the handler was released before Run's wait
			// ended (v1.9: the wait in Run itself; modern: the drain Run
			// waits for).
			released := seqOf(tr, "the slow request is released", "")
			waited := int64(-1)
			for _, e := range tr.Events() {
				switch {
				case era == server.EraV19 && e.Span == "server.preparedGenericAPIServer.Run" && strings.HasPrefix(e.Name, "HandlerChainWaitGroup.Wait() returned"),
					era == server.EraModern && e.Name == trace.EventChanClose && e.Attrs[trace.ChanNameKey] == "nonLongRunningRequestDrainedCh":
					waited = e.Seq
				}
			}
			if released < 0 || waited < released {
				t.Errorf("%s: released at event %d, Run's wait over at event %d: Run did not wait for the request", era, released, waited)
			}
		})
	}
}

// A modern command line has no insecure port's flags, and says why.
func TestModernHasNoInsecurePort(t *testing.T) {
	for _, args := range [][]string{{"--insecure-port=8080"}, {"--insecure-bind-address=127.0.0.1"}} {
		var stdout, stderr syncBuffer
		code := run(context.Background(), append([]string{"--era=modern", "--trace-file="}, args...),
			runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
		flag, _, _ := strings.Cut(args[0], "=")
		want := "walkthrough: unknown flag: " + flag + " (modern kube-apiserver has no insecure port: it stopped serving it in v1.20 and dropped its flags in v1.24)\n"
		if code != 2 || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, stderr.String(), want)
		}
	}
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--era=modern", "--break=insecure-bind", "--trace-file="},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), secure: listen(t)})
	if got := lastLine(stderr.String()); code != 1 || !strings.HasPrefix(got, "walkthrough: --break=insecure-bind: modern kube-apiserver has no insecure port") {
		t.Errorf("--break=insecure-bind: exit %d, last line %q; want 1 and why", code, got)
	}
}

// An unknown era gets one line naming the allowed ones, exit 2.
func TestUnknownEra(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--era=v1.8"}, runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	if want := "walkthrough: --era v1.8: allowed: v1.7, v1.9, modern\n"; code != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), want)
	}
}

// --until and --step know each era's steps and chapters.
func TestUntilInEachEra(t *testing.T) {
	for _, tt := range []struct {
		era   server.Era
		until string
	}{
		{server.EraV19, "app.CreateServerChain"},
		{server.EraV19, "then-and-now"},
		{server.EraModern, "server.preparedGenericAPIServer.RunWithContext"},
		{server.EraModern, "config"},
	} {
		t.Run(tt.era.String()+" "+tt.until, func(t *testing.T) {
			code, paused, ending := experiment(t, "\n", false, "--era="+tt.era.String(), "--until", tt.until)
			if code != 0 || ending != string(trace.EndNormal) || !strings.Contains(paused, "■ paused after ") {
				t.Errorf("exit %d, ending %q; want a pause and a normal end:\n%s", code, ending, paused)
			}
		})
	}
	_, err := untilStep(server.EraModern, "nonblockingrun")
	if err == nil || !strings.Contains(err.Error(), "not a step, a chapter or a post-start hook") {
		t.Errorf("modern --until nonblockingrun: %v; want an error: modern has no insecure port", err)
	}
	for _, era := range server.Eras {
		steps := stepsOf(era)
		for chapter, end := range steps.chapterEnds {
			if steps.does(end) == "" {
				t.Errorf("%s: chapter %s ends at %s, which --step does not know", era, chapter, end)
			}
		}
	}
}

// The traces the book's then-and-now chapter compares (and traceview's
// diff tests read) are recorded once, in cmd/traceview/testdata. This
// test takes each era's tour with --break=slow-request today and fails
// when the recording no longer matches it: another step, goroutine or
// channel, or another count of one, or another set of things its
// shutdown did (in whatever order). Record them again then, with the
// commands in cmd/traceview/diff_test.go, and run
// go test ./cmd/traceview -update.
func TestTheRecordedErasAreTodays(t *testing.T) {
	for _, era := range server.Eras {
		t.Run(era.String(), func(t *testing.T) {
			_, _, path := runEraTour(t, era, "--break=slow-request", "--lang=en")
			recorded := readView(t, filepath.Join("..", "traceview", "testdata", era.String()+"-slow-request.json"))
			today := readView(t, path)
			d, err := view.Compare(recorded, today, lang.English)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range [][]view.Compared{d.Steps, d.Goroutines, d.Channels} {
				for _, c := range part {
					// The recordings bound kube-apiserver's default ports with
					// CreateListener; a test passes listeners it bound. How
					// many watches the informers open varies: one the server
					// ends at shutdown (modern) may be opened again before
					// the informer stops.
					informersWatch := c.Name == "result" || strings.HasPrefix(c.Name, "cacheWatcher.process ")
					if c.A != c.B && c.Name != "options.CreateListener" && !informersWatch {
						t.Errorf("%s: recorded %d times, %d today", c.Name, c.A, c.B)
					}
				}
			}
			keys := func(ms []view.Moment) []string {
				var out []string
				for _, m := range ms {
					out = append(out, m.Key)
				}
				slices.Sort(out)
				return slices.Compact(out) // what it did, not how often: the informers' watches vary
			}
			if a, b := keys(d.ShutdownA), keys(d.ShutdownB); !slices.Equal(a, b) {
				t.Errorf("the recorded shutdown did\n%q\ntoday's does\n%q", a, b)
			}
		})
	}
}

func readView(t *testing.T, path string) *view.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := view.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

// modern's RunServer keeps v1.7's choice: a listener that dies while its
// stop channel is open crashes the process (--break=listener closes the
// secure port's, modern's only one).
func TestModernBreakListenerPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, _ := child(t, "--era=modern --break=listener --trace-file="+path)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the walkthrough exited 0; want a crash. Output:\n%s", out)
	}
	if !strings.Contains(string(out), "panic: Stopped listening on 127.0.0.1:") ||
		!strings.Contains(string(out), "due to error: accept tcp 127.0.0.1:") {
		t.Errorf("output lacks RunServer's panic:\n%s", out)
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndPanic)
	serve := tr.Named("RunServer: serve")
	if len(serve) != 1 || !strings.Contains(serve[0].Lane(), "exception\n") {
		t.Errorf("%d serve goroutines ended; want the one that panicked, with the exception recorded", len(serve))
	}
	if ref := tr.Span(t, "server.RunServer").Attr(trace.UpstreamRefKey); ref != "v1.36.0" {
		t.Errorf("server.RunServer mirrors %s; want modern's, v1.36.0", ref)
	}
}
