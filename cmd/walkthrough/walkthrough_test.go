package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if args := os.Getenv("KUBEWALK_WALKTHROUGH_ARGS"); args != "" {
		// A child process of a test: be the walkthrough, on the two
		// listeners the test bound and passed as files 3 and 4.
		env := runEnv{stdout: os.Stdout, stderr: os.Stderr, signals: make(chan os.Signal, 2),
			insecure: inherited(3), secure: inherited(4)}
		if os.Getenv("KUBEWALK_DOUBLE_CTRL_C") != "" {
			go doubleCtrlC(env.insecure.Addr().String(), env.signals)
		}
		os.Exit(run(context.Background(), strings.Fields(args), env))
	}
	goleak.VerifyTestMain(m)
}

// inherited returns the listener a parent test passed as file fd.
func inherited(fd uintptr) net.Listener {
	ln, err := net.FileListener(os.NewFile(fd, "listener"))
	if err != nil {
		panic(err)
	}
	return ln
}

// child returns the test binary as a walkthrough run with args, serving
// two fresh loopback listeners, and the insecure one's address.
func child(t *testing.T, args string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), "KUBEWALK_WALKTHROUGH_ARGS="+args), env...)
	var addr string
	for range 2 {
		ln := listen(t).(*net.TCPListener)
		f, err := ln.File()
		if err != nil {
			t.Fatal(err)
		}
		if addr == "" {
			addr = ln.Addr().String()
		}
		ln.Close() // the child holds its own copy
		t.Cleanup(func() { f.Close() })
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	return cmd, addr
}

// doubleCtrlC waits until addr answers /healthz, then sends two
// interrupts at once, as a learner pressing Ctrl-C twice would.
func doubleCtrlC(addr string, signals chan<- os.Signal) {
	for range 500 {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	signals <- os.Interrupt
	signals <- os.Interrupt
}

// stepFunctions are the upstream functions every tour runs, the aggregator's
// last.
var stepFunctions = []string{
	"main.main", "options.NewServerRunOptions", "options.ServerRunOptions.AddFlags",
	"server.SetupSignalHandler", "app.Run", "app.CreateNodeDialer", "app.CreateKubeAPIServerConfig",
	"app.createAPIExtensionsConfig", "app.createAPIExtensionsServer", "app.CreateKubeAPIServer",
	"kubeserver.BuildInsecureHandlerChain", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely",
	"server.RunServer", "server.GenericAPIServer.PrepareRun", "server.preparedGenericAPIServer.Run",
	"server.preparedGenericAPIServer.NonBlockingRun", "server.GenericAPIServer.serveSecurely",
	"app.createAggregatorConfig", "app.createAggregatorServer",
}

func TestTourRunsEveryStepAndShutsDownInOrder(t *testing.T) {
	tr, out := runTour(t)
	for _, fn := range stepFunctions {
		s := tr.step(t, fn)
		for _, key := range []string{trace.UpstreamFileKey, trace.UpstreamRefKey, trace.ChapterKey, "code.function.name", "code.file.path"} {
			if s.attr(key) == "" {
				t.Errorf("step %s has no %s", fn, key)
			}
		}
	}
	root := tr.step(t, "app.Run")
	if tr.step(t, "app.createAggregatorServer").Parent.SpanID != root.SpanContext.SpanID {
		t.Error("app.createAggregatorServer is not a child of app.Run")
	}

	// The cascade: stopCh, then each port's internalStopCh, its listener,
	// and its serve goroutine's last word.
	if err := checkCascade(tr.cascade(), 2); err != nil {
		t.Error(err)
	}

	sum := tr.summary(t)
	if sum.attr(trace.EndingKey) != string(trace.EndNormal) ||
		sum.attr(trace.GoroutinesStartedKey) != sum.attr(trace.GoroutinesEndedKey) || len(sum.Events) != 0 {
		t.Errorf("summary = %v, still open %d; want a normal ending with every goroutine ended", sum.Attributes, len(sum.Events))
	}
	for _, line := range []string{"servedBy=kube-aggregator", "servedBy=apiextensions-apiserver", "servedBy=kube-apiserver", "→ 404",
		"AnonymousAuth is not allowed with the AllowAll authorizer", "/api/v1/namespaces → 401"} {
		if !strings.Contains(out.stderr, line) {
			t.Errorf("tour log lacks %q", line)
		}
	}
	if !strings.Contains(out.stdout, "still open: nothing") {
		t.Errorf("summary does not say nothing is open:\n%s", out.stdout)
	}
}

func TestTourWithKubeAPIVersionsLeavesTheAggregatorOut(t *testing.T) {
	t.Setenv("KUBE_API_VERSIONS", "v1")
	tr, out := runTour(t)
	for _, name := range []string{"app.createAggregatorConfig", "app.createAggregatorServer"} {
		if _, ok := tr.spans[name]; ok {
			t.Errorf("the trace has %s; want no aggregator step", name)
		}
	}
	if !strings.Contains(out.stderr, "KUBE_API_VERSIONS is set, not creating the aggregator") {
		t.Errorf("log does not say why the aggregator is left out:\n%s", out.stderr)
	}
	if err := checkCascade(tr.cascade(), 2); err != nil {
		t.Error(err)
	}
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	insecure, secure := listen(t), listen(t)
	path := filepath.Join(t.TempDir(), "trace.json")
	signals := make(chan os.Signal, 2)
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(context.Background(), []string{"--serve", "--trace-file", path},
			runEnv{stdout: &stdout, stderr: &stderr, signals: signals, insecure: insecure, secure: secure})
	}()
	waitFor(t, &stderr, "  [main] server.preparedGenericAPIServer.Run\n    chan.wait stopCh\n")
	signals <- syscall.SIGTERM
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d; want 0. Log:\n%s", c, stderr.String())
	}
	if got := readTrace(t, path).summary(t).attr(trace.EndingKey); got != string(trace.EndSignal) {
		t.Errorf("ending = %q; want %q", got, trace.EndSignal)
	}
}

func TestPortInUseIsOneLineAndLeavesNothingListening(t *testing.T) {
	busy := listen(t)
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	c := run(context.Background(), []string{"--secure-port", port, "--trace-file", path, "--log-level", "error"},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t)})
	if c != 1 {
		t.Fatalf("exit code %d; want 1", c)
	}
	want := "failed to listen on 127.0.0.1:" + port + ": listen tcp 127.0.0.1:" + port + ": bind: address already in use\n"
	if got := stderr.String(); !strings.HasSuffix(got, want) {
		t.Errorf("stderr = %q; want it to end with %q", got, want)
	}
	sum := readTrace(t, path).summary(t)
	if sum.attr(trace.EndingKey) != string(trace.EndError) || sum.attr(trace.ListenersOpenedKey) != sum.attr(trace.ListenersClosedKey) {
		t.Errorf("summary = %v; want an error ending with every listener closed", sum.Attributes)
	}
}

func TestBadCommandLines(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"--no-such-flag"}, 2, "walkthrough: unknown flag: --no-such-flag\nRun 'walkthrough --help' for usage.\n"},
		{[]string{"--secure-port", "x"}, 2, `invalid argument "x" for "--secure-port"`},
		{[]string{"--secure-port", "70000"}, 1, "walkthrough: --secure-port 70000:"},
		{[]string{"--log-format", "xml"}, 1, "walkthrough: --log-format xml: allowed: console, json\n"},
		{[]string{"--break", "everything"}, 1, "walkthrough: --break everything:"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			c := run(context.Background(), append(tt.args, "--trace-file", path),
				runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
			if c != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", c, stderr.String(), tt.wantCode, tt.wantErr)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a trace file was left behind: %v", err)
			}
		})
	}
}

func TestTraceHTMLWritesThePage(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", filepath.Join(dir, "t.json"), "--trace-html", filepath.Join(dir, "t.html")},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	page, err := os.ReadFile(filepath.Join(dir, "t.html"))
	if code != 0 || err != nil || !bytes.Contains(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("RunServer: serve")) {
		t.Errorf("exit %d, page %d bytes, %v; want 0 and a page with the lanes", code, len(page), err)
	}
}

// TestTraceFilesAreTheOwnersOnly checks that the trace and the page,
// which hold request paths and client addresses, are readable by their
// owner only, and that a symbolic link where the trace goes is refused.
func TestTraceFilesAreTheOwnersOnly(t *testing.T) {
	dir := t.TempDir()
	trace, page := filepath.Join(dir, "t.json"), filepath.Join(dir, "t.html")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", trace, "--trace-html", page},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("exit %d; want 0:\n%s", code, stderr.String())
	}
	for _, name := range []string{trace, page} {
		if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want -rw-------", name, st.Mode().Perm(), err)
		}
	}

	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	stderr = syncBuffer{}
	code = run(context.Background(), []string{"--trace-file", link}, runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --trace-file " + link + ": open " + link + ": a symbolic link, which is not followed: give the file's own path"
	if code != 1 || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the link's target now holds %q (%v); want it untouched", b, err)
	}
}

func TestTraceFileInAMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "t.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", path}, runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --trace-file " + path + ": open " + path + ": no such file or directory (want a writable file in an existing directory, or --trace-file= for no trace)\n"
	if code != 1 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
}

// TestBreakListenerPanicsWithUpstreamsMessage runs the walkthrough with
// --break=listener in a child process, which must crash with RunServer's
// panic after writing a complete trace.
func TestBreakListenerPanicsWithUpstreamsMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, addr := child(t, "--break=listener --trace-file="+path)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the walkthrough exited 0; want a crash. Output:\n%s", out)
	}
	// The fault closes the listener from outside, so Serve's error is
	// its Accept's.
	want := "panic: Stopped listening on " + addr + " due to error: accept tcp " + addr + ": use of closed network connection"
	if !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	tr := readTrace(t, path)
	if got := tr.summary(t).attr(trace.EndingKey); got != string(trace.EndPanic) {
		t.Errorf("ending = %q; want %q", got, trace.EndPanic)
	}
	serve := tr.spans["RunServer: serve"]
	if len(serve) == 0 || !slices.ContainsFunc(serve[0].Events, func(e event) bool { return e.Name == "exception" }) {
		t.Error("the serve goroutine's span does not record the panic")
	}
}

// TestSecondCtrlCExitsAtOnce presses Ctrl-C twice in --serve mode, in a
// child process: the second signal exits 1, as upstream's handler does,
// and the trace still says how the run ended.
func TestSecondCtrlCExitsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, _ := child(t, "--serve --trace-file="+path, "KUBEWALK_DOUBLE_CTRL_C=1")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit code %d (%v); want 1. Output:\n%s", code, err, out)
	}
	if !strings.Contains(string(out), "Received second signal, exiting with code 1") {
		t.Errorf("output does not say why it exited:\n%s", out)
	}
	if got := readTrace(t, path).summary(t).attr(trace.EndingKey); got != string(trace.EndSecondSignal) {
		t.Errorf("ending = %q; want %q", got, trace.EndSecondSignal)
	}
}

// outputs is what a tour wrote.
type outputs struct{ stdout, stderr string }

// runTour runs the walkthrough's tour on pre-bound listeners and returns its
// trace and outputs, failing the test unless it exits 0.
func runTour(t *testing.T) (*traceFile, outputs) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", path, "--log-format", "console"},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("exit code %d; want 0. Log:\n%s", code, stderr.String())
	}
	return readTrace(t, path), outputs{stdout.String(), stderr.String()}
}

// listen returns a loopback listener on a free port, closed when the test
// ends if the run did not close it.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// waitFor polls b until it holds s, for at most ten seconds.
func waitFor(t *testing.T, b *syncBuffer, s string) {
	t.Helper()
	for range 1000 {
		if strings.Contains(b.String(), s) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("log never said %q:\n%s", s, b.String())
}

// A span and an event as stdouttrace writes them, reduced to what the
// tests read.
type span struct {
	Name        string
	SpanContext struct{ SpanID string }
	Parent      struct{ SpanID string }
	Attributes  []attribute
	Events      []event
}

type event struct {
	Name       string
	Attributes []attribute
	Time       time.Time
}

type attribute struct {
	Key   string
	Value struct{ Value any }
}

func (s span) attr(key string) string { return attrOf(s.Attributes, key) }

func attrOf(attrs []attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return fmt.Sprint(a.Value.Value)
		}
	}
	return ""
}

// traceFile is a trace read back, its spans by name.
type traceFile struct {
	spans map[string][]span
	all   []span
}

func readTrace(t *testing.T, path string) *traceFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tr := &traceFile{spans: map[string][]span{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		tr.spans[s.Name] = append(tr.spans[s.Name], s)
		tr.all = append(tr.all, s)
	}
	return tr
}

func (tr *traceFile) step(t *testing.T, name string) span {
	t.Helper()
	s, ok := tr.spans[name]
	if !ok {
		t.Fatalf("no %s span", name)
	}
	return s[0]
}

func (tr *traceFile) summary(t *testing.T) span { t.Helper(); return tr.step(t, trace.SummarySpanName) }

// cascade returns the shutdown events of the trace in time order: channel
// closes, listener closes and "Stopped listening" lines.
func (tr *traceFile) cascade() []string {
	var events []event
	for _, s := range tr.all {
		events = append(events, s.Events...)
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.Time.Compare(b.Time) })
	var out []string
	for _, e := range events {
		switch {
		case e.Name == trace.EventChanClose:
			out = append(out, "close "+attrOf(e.Attributes, trace.ChanNameKey))
		case e.Name == trace.EventListenerClose:
			out = append(out, "close listener")
		case strings.HasPrefix(e.Name, "Stopped listening on "):
			out = append(out, "Stopped listening")
		}
	}
	return out
}

// checkCascade checks that the cascade shut down ports ports in causal
// order: stopCh closed first, then for each port its internalStopCh, its
// listener and its "Stopped listening". The two ports shut down
// concurrently, so the k-th listener close needs only k internalStopCh
// closes before it, and the k-th "Stopped listening" k listener closes.
func checkCascade(cascade []string, ports int) error {
	if len(cascade) != 1+3*ports || cascade[0] != "close stopCh" {
		return fmt.Errorf("cascade = %q; want stopCh closed, then three events per port", cascade)
	}
	seen := map[string]int{}
	before := map[string]string{"close listener": "close internalStopCh", "Stopped listening": "close listener"}
	for _, e := range cascade[1:] {
		seen[e]++
		if prev, ok := before[e]; ok && seen[prev] < seen[e] {
			return fmt.Errorf("cascade = %q: %q before its %q", cascade, e, prev)
		}
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a run
// and the reads of a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestBreakHelpListsTheFaults(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--break=help", "--trace-file", filepath.Join(t.TempDir(), "t.json")},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	for _, f := range []string{"listener", "insecure-bind", "apiextensions", "slow-request"} {
		if !strings.Contains(stdout.String(), "  "+f+" ") {
			t.Errorf("--break=help does not list %s:\n%s", f, stdout.String())
		}
	}
	if code != 0 {
		t.Errorf("exit code %d; want 0", code)
	}
}

// TestFaults runs each fault that ends the run cleanly and checks what it
// shows, in the exit code, the last line of stderr and the trace.
func TestFaults(t *testing.T) {
	tests := []struct {
		fault    string
		code     int
		lastLine string
		ending   trace.Ending
		check    func(t *testing.T, tr *traceFile, log string)
	}{
		{"apiextensions", 1, "--break=apiextensions: the apiextensions server could not be built", trace.EndError,
			func(t *testing.T, tr *traceFile, log string) {
				if s := tr.step(t, "app.createAPIExtensionsServer"); s.attr(trace.KindKey) != trace.KindStep || len(tr.spans["server.RunServer"]) != 0 {
					t.Error("a server started although the chain could not be built")
				}
			}},
		// The fault holds the port, so listening fails as upstream's does.
		{"insecure-bind", 1, "bind: address already in use", trace.EndError,
			func(t *testing.T, tr *traceFile, log string) {
				sum := tr.summary(t)
				if sum.attr(trace.ChansMadeKey) != "2" || sum.attr(trace.ChansClosedKey) != "2" || sum.attr(trace.ListenersOpenedKey) != "0" {
					t.Errorf("summary %v; want stopCh and internalStopCh made and closed, nothing listening", sum.Attributes)
				}
			}},
		{"slow-request", 0, "", trace.EndNormal,
			func(t *testing.T, tr *traceFile, log string) {
				stopped := strings.LastIndex(log, "Stopped listening on")
				answered := strings.Index(log, "/debug/walkthrough/slow → 200")
				if stopped < 0 || answered < stopped {
					t.Errorf("the slow request was not answered after the listeners closed:\n%s", log)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			code := run(context.Background(), []string{"--break=" + tt.fault, "--trace-file", path},
				runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != tt.code || (tt.lastLine != "" && !strings.HasSuffix(lines[len(lines)-1], tt.lastLine)) {
				t.Fatalf("exit %d, last line %q; want %d and %q", code, lines[len(lines)-1], tt.code, tt.lastLine)
			}
			tr := readTrace(t, path)
			if got := tr.summary(t).attr(trace.EndingKey); got != string(tt.ending) {
				t.Errorf("ending %q; want %q", got, tt.ending)
			}
			tt.check(t, tr, stderr.String())
		})
	}
}

func TestTourWithTheInsecurePortOff(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--insecure-port=0", "--trace-file", filepath.Join(t.TempDir(), "t.json")},
		runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), secure: listen(t)})
	if code != 0 || !strings.Contains(stderr.String(), "skipped: that port is turned off") ||
		!strings.Contains(stdout.String(), "listeners:  1 opened, 1 closed") {
		t.Errorf("exit %d; want 0, the insecure requests skipped and one listener only:\n%s", code, stdout.String())
	}
}
