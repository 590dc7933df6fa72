package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// TestAFaultOnTheInsecurePortNeedsIt: with the insecure port off,
// --break=listener and --break=insecure-bind have nothing to break; the
// walkthrough says so in one line, exits 1 and writes no trace.
func TestAFaultOnTheInsecurePortNeedsIt(t *testing.T) {
	for _, fault := range []string{"listener", "insecure-bind"} {
		t.Run(fault, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			code := run(context.Background(), []string{"--insecure-port=0", "--break=" + fault, "--trace-file", path},
				runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), secure: listen(t)})
			want := "walkthrough: --break=" + fault + ": needs the insecure port, and --insecure-port is 0\n"
			if got := lastLine(stderr.String()); code != 1 || got != want {
				t.Errorf("exit %d, last line %q; want 1 and %q", code, got, want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the trace file is there (%v); want none", err)
			}
		})
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
		check    func(t *testing.T, tr *kittest.Trace, log string)
	}{
		{"apiextensions", 1, "--break=apiextensions: the apiextensions server could not be built", trace.EndError,
			func(t *testing.T, tr *kittest.Trace, log string) {
				if s := tr.Span(t, "app.createAPIExtensionsServer"); s.Attr(trace.KindKey) != trace.KindStep || len(tr.Named("server.RunServer")) != 0 {
					t.Error("a server started although the chain could not be built")
				}
			}},
		// The fault holds the port, so listening fails as upstream's does,
		// before NonBlockingRun runs the post-start hooks: their done
		// channels, made as each was added, stay open.
		{"insecure-bind", 1, "bind: address already in use", trace.EndError,
			func(t *testing.T, tr *kittest.Trace, log string) {
				sum := tr.Summary(t)
				dones, hooksRun := 0, 0
				for _, e := range tr.Events() {
					if e.Name == trace.EventChanMake && e.Attrs[trace.ChanNameKey] == "done" {
						dones++
					}
				}
				for _, s := range tr.Spans {
					if strings.HasPrefix(s.Name, "runPostStartHook: ") {
						hooksRun++
					}
				}
				neverClosed := 0 // the watch caches' channels, which v1.7 never closes
				for _, e := range sum.Events {
					if e.Name == trace.EventStillOpen && e.Attrs[trace.StillOpenKindKey] == "chan" && e.Attrs[trace.StillOpenNeverKey] != "" {
						neverClosed++
					}
				}
				if dones == 0 || sum.Attr(trace.ChansMadeKey) != strconv.Itoa(2+dones+neverClosed) || sum.Attr(trace.ChansClosedKey) != "2" ||
					sum.Attr(trace.ListenersOpenedKey) != "0" || hooksRun != 0 {
					t.Errorf("summary %v, %d hooks' done channels, %d never closed; want stopCh and internalStopCh made and closed, "+
						"the hooks' done channels made and none run, nothing listening", sum.Attrs, dones, neverClosed)
				}
			}},
		// v1.7: Run returns at once; the exit (the tour's hanging up in its
		// place) cuts the request off, after the listeners closed.
		{"slow-request", 0, "", trace.EndNormal,
			func(t *testing.T, tr *kittest.Trace, log string) {
				stopped := strings.LastIndex(log, "Stopped listening on")
				cut := strings.Index(log, "/debug/walkthrough/slow → no response: cut off")
				if stopped < 0 || cut < stopped {
					t.Errorf("the slow request was not cut off after the listeners closed:\n%s", log)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			code := run(context.Background(), []string{"--break=" + tt.fault, "--trace-file", path},
				runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != tt.code || (tt.lastLine != "" && !strings.HasSuffix(lines[len(lines)-1], tt.lastLine)) {
				t.Fatalf("exit %d, last line %q; want %d and %q", code, lines[len(lines)-1], tt.code, tt.lastLine)
			}
			tr := kittest.ReadFile(t, path)
			checkComplete(t, tr, tt.ending)
			tt.check(t, tr, stderr.String())
		})
	}
}
