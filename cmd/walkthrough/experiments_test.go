package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// experiment runs the walkthrough on pre-bound listeners with args and
// what the learner types, and returns the exit code, stdout and the
// trace's ending.
func experiment(t *testing.T, input string, terminal bool, args ...string) (int, string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), append(args, "--trace-file", path), runEnv{stopNeverStopped: true,
		stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2),
		stdin: strings.NewReader(input), terminal: terminal, insecure: listen(t), secure: listen(t),
	})
	ending := ""
	if _, err := os.Stat(path); err == nil {
		tr := kittest.ReadFile(t, path)
		ending = tr.Summary(t).Attr(trace.EndingKey)
		checkComplete(t, tr, trace.Ending(ending))
	}
	return code, stdout.String() + stderr.String(), ending
}

func TestUntilPausesAndShowsWhatIsAlive(t *testing.T) {
	code, out, ending := experiment(t, "\n", false, "--until", "nonblockingrun")
	for _, want := range []string{
		"■ paused after kubeserver.NonBlockingRun",
		"goroutine NonBlockingRun: close internalStopCh on stopCh (started by kubeserver.NonBlockingRun",
		"chan      internalStopCh (closed by NonBlockingRun: close internalStopCh on stopCh)",
		"listener  127.0.0.1:",
		"next: the aggregator's PrepareRun().Run opens the secure port.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || ending != string(trace.EndNormal) {
		t.Errorf("exit %d, ending %q; want 0 and a normal ending after Enter", code, ending)
	}
}

func TestUntilThenQuitShutsDownThroughTheCascade(t *testing.T) {
	code, out, ending := experiment(t, "q\n", false, "--until", "kubeserver.NonBlockingRun")
	if code != 0 || ending != string(trace.EndSignal) || !strings.Contains(out, "Stopped listening on 127.0.0.1:") {
		t.Errorf("exit %d, ending %q; want 0, a signal ending and the cascade:\n%s", code, ending, out)
	}
}

// TestUntilAHookPausesWhenItsGoroutineEnds: --until bootstrap-controller
// pauses once that hook has returned: its done channel closed, the
// bootstrap controller's loops alive, waiting on their stop channel, which
// upstream never closes. Enter lets the tour run to its normal end.
func TestUntilAHookPausesWhenItsGoroutineEnds(t *testing.T) {
	code, out, ending := experiment(t, "\n", false, "--until", "bootstrap-controller")
	for _, want := range []string{
		"■ paused after master.Controller.PostStartHook",
		"v1.7 never calls Runner.Stop (v1.9 does: kubernetes PR #53821):",
		"      goroutine bootstrap: RunKubernetesService\n",
		"      chan stop (closed by Runner.Stop)\n",
		"next: the hook's goroutine ends; the other hooks run on, and /healthz answers ok once every one is done.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || ending != string(trace.EndNormal) {
		t.Errorf("exit %d, ending %q; want 0 and a normal ending after Enter", code, ending)
	}
}

func TestUntilAnUnknownStepListsTheValidOnes(t *testing.T) {
	code, out, _ := experiment(t, "", false, "--until", "app.Nothing")
	if code != 2 || !strings.Contains(out, "--until app.Nothing: not a step, a chapter or a post-start hook; steps: main.main,") ||
		!strings.Contains(out, "chapters: aggregator,") || !strings.Contains(out, "hooks: apiservice-registration-controller,") {
		t.Errorf("exit %d; want 2 and the valid names:\n%s", code, out)
	}
}

func TestStepExplainsEveryStep(t *testing.T) {
	code, out, _ := experiment(t, strings.Repeat("\n", 40), true, "--step")
	for _, want := range []string{
		"▸ next: app.CreateNodeDialer\n  CreateNodeDialer decides how the API server reaches nodes",
		"upstream: https://github.com/kubernetes/kubernetes/blob/v1.7.0/pkg/kubeapiserver/server/insecure_handler.go",
		"read: docs/runserver.md",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d; want 0", code)
	}
}

func TestStepNeedsATerminal(t *testing.T) {
	code, out, ending := experiment(t, "", false, "--step")
	if code != 2 || ending != "" || !strings.Contains(out, "--step: needs a terminal on stdin") {
		t.Errorf("exit %d, ending %q; want 2, no trace, and why:\n%s", code, ending, out)
	}
}

// TestSettledWaitsForEveryGoroutineToBlock starts goroutines that work a
// while before they wait on a channel: the state a pause prints must show
// each of them waiting, however the scheduler ran them.
func TestSettledWaitsForEveryGoroutineToBlock(t *testing.T) {
	ctx, rec := kittest.New(t)
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")
	for i := range 4 {
		trace.Go(ctx, fmt.Sprintf("worker %d", i), func(ctx context.Context) {
			for range 1000 {
				runtime.Gosched() // busy, not blocked
			}
			trace.Recv(ctx, stopCh)
		})
	}
	st := settled(rec.Kit)
	trace.Close(ctx, stopCh)
	rec.Wait(t)
	for _, o := range st.Open {
		if o.Kind == "goroutine" && !strings.HasSuffix(o.Detail, "waiting on stopCh") {
			t.Errorf("settled state: %s %s (%s); want it waiting on stopCh", o.Kind, o.Name, o.Detail)
		}
	}
}
