package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// The tests of how a run ends, one per ending, each checking the trace
// with checkComplete. The normal ending is the tour's (runTour).

// TestServeStopsOnARealSIGTERM sends a real SIGTERM to a --serve
// walkthrough in a child process, through signal.Notify: it shuts down
// through the cascade and exits 0.
func TestServeStopsOnARealSIGTERM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, addr := child(t, "--serve --trace-file="+path)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, addr)
	waitFor(t, &stderr, "Serving securely on")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the walkthrough ended with %v; want exit 0. Output:\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "Received signal, shutting down signal=terminated") {
		t.Errorf("the log does not name the signal:\n%s", stderr.String())
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndSignal)
	if err := checkCascade(tr, 2); err != nil {
		t.Error(err)
	}
}

// TestSecondCtrlCExitsAtOnce sends two real SIGINTs to a walkthrough in a
// child process: the first closes stopCh, the second exits 1 at once, as
// upstream's handler does, and the trace still says how the run ended.
// The run is paused (--until) while they come, so the second signal
// cannot arrive after the run has ended by itself.
func TestSecondCtrlCExitsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, _ := child(t, "--serve --until=runserver --trace-file="+path)
	stdin, keepOpen, err := os.Pipe() // the pause waits for a line that never comes
	if err != nil {
		t.Fatal(err)
	}
	defer keepOpen.Close()
	defer stdin.Close()
	var stdout, stderr syncBuffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &stdout, "■ paused after server.RunServer")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &stderr, "Received signal, shutting down")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit code %d (%v); want 1. Output:\n%s%s", code, err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "Received second signal, exiting with code 1") {
		t.Errorf("the log does not say why it exited:\n%s", stderr.String())
	}
	checkComplete(t, kittest.ReadFile(t, path), trace.EndSecondSignal)
}

func TestPortInUseIsOneLineAndLeavesNothingListening(t *testing.T) {
	busy := listen(t)
	_, port, _ := net.SplitHostPort(busy.Addr().String())
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	c := run(context.Background(), []string{"--secure-port", port, "--trace-file", path, "--log-level", "error"},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t)})
	if c != 1 {
		t.Fatalf("exit code %d; want 1", c)
	}
	want := "failed to listen on 127.0.0.1:" + port + ": listen tcp 127.0.0.1:" + port + ": bind: address already in use\n"
	if got := stderr.String(); !strings.HasSuffix(got, want) {
		t.Errorf("stderr = %q; want it to end with %q", got, want)
	}
	// Every listener opened was closed: the summary says so (complete).
	checkComplete(t, kittest.ReadFile(t, path), trace.EndError)
}

// TestBreakListenerPanicsWithUpstreamsMessage runs the walkthrough with
// --break=listener in a child process, which must crash with RunServer's
// panic after writing a complete trace: one that lists what was still
// running when the process died.
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
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndPanic)
	// The secure port's serve goroutine was still running: its span says
	// so. The insecure one's ended in the panic.
	var serve []kittest.Span
	for _, s := range tr.Named("RunServer: serve") {
		if s.Attr(trace.StillRunningKey) != "true" {
			serve = append(serve, s)
		}
	}
	if len(serve) != 1 || !strings.Contains(serve[0].Lane(), "exception\n") {
		t.Errorf("%d serve goroutines ended; want the one that panicked, with the exception recorded", len(serve))
	}
}

// waitHealthy polls http://addr/healthz until it answers 200, failing the
// test after kittest.Deadline.
func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(10 * time.Millisecond) {
		resp, err := c.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.CloseIdleConnections()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("http://%s/healthz did not answer 200 within %v (last error %v)", addr, kittest.Deadline, err)
		}
	}
}

// TestBreakHookEndsTheProcessAsUpstream runs --break=hook and
// --break=hook-panic in child processes. A hook that returns an error
// ends the process as upstream's glog.Fatalf does: the fatal line, exit
// 255. A hook that panics crashes it: HandleCrash logs the panic and
// panics again, exit 2. Either way the trace is written first, complete,
// and it ends in the broken hook's goroutine.
func TestBreakHookEndsTheProcessAsUpstream(t *testing.T) {
	for _, tt := range []struct {
		fault  string
		code   int
		want   []string
		ending trace.Ending
	}{
		{"hook", 255, []string{`PostStartHook "kubewalk/broken-hook" failed: --break=hook: the hook failed on purpose`}, trace.EndFatal},
		{"hook-panic", 2, []string{`"Observed a panic" panic="--break=hook-panic: the hook panicked on purpose"`,
			"panic: --break=hook-panic: the hook panicked on purpose"}, trace.EndPanic},
	} {
		t.Run(tt.fault, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			cmd, _ := child(t, "--break="+tt.fault+" --trace-file="+path)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.code {
				t.Fatalf("the walkthrough ended with %v; want exit %d. Output:\n%s", err, tt.code, out)
			}
			for _, want := range tt.want {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			tr := kittest.ReadFile(t, path)
			checkComplete(t, tr, tt.ending)
			hook := tr.Named("runPostStartHook: kubewalk/broken-hook")
			if len(hook) != 1 || hook[0].Attr(trace.UpstreamFunctionKey) != "server.runPostStartHook" {
				t.Errorf("%d spans of the broken hook's goroutine; want one, mirroring upstream's hook goroutine", len(hook))
			}
		})
	}
}
