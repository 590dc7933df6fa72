package trace_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// TestSummaryAgreesWithTheFileWhileGoroutinesEnd shuts a kit down, as a
// panic does, while goroutines and their steps are ending: whatever ended
// before the summary is in the file and counted, whatever ended after is
// neither, so the file is always a complete "panic" run.
func TestSummaryAgreesWithTheFileWhileGoroutinesEnd(t *testing.T) {
	for i := range 20 {
		path := filepath.Join(t.TempDir(), "trace.json")
		k, err := trace.Setup(trace.Config{TraceFile: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx := k.Context(context.Background())
		stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")
		var done []<-chan struct{}
		for range 50 {
			done = append(done, trace.Go(ctx, "worker", func(ctx context.Context) {
				trace.Recv(ctx, stopCh)
				_, end := trace.Step(ctx, trace.Upstream{Function: "worker.step"})
				end(nil)
			}))
		}
		trace.Close(ctx, stopCh) // they all end now, while the summary is written
		if err := k.Shutdown(context.Background(), trace.EndPanic); err != nil {
			t.Fatal(err)
		}
		for _, d := range done {
			kittest.Await(t, d, "a worker")
		}
		if err := kittest.ReadFile(t, path).CheckComplete(trace.EndPanic); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
}

// TestNothingIsLoggedAfterEndLog logs from a goroutine that runs on, as
// one upstream never stops does, while EndLog ends the log: a line
// written to the same stream once EndLog has returned is the last.
func TestNothingIsLoggedAfterEndLog(t *testing.T) {
	for range 20 {
		var out kittest.Buffer
		k, err := trace.Setup(trace.Config{Log: &out, LogFormat: "json"})
		if err != nil {
			t.Fatal(err)
		}
		ctx := k.Context(context.Background())
		stop := make(chan struct{})
		done := trace.Go(ctx, "chatty", func(ctx context.Context) {
			for {
				select { // a plain select: the test's own loop
				case <-stop:
					return
				default:
					trace.Log(ctx).Info().Msg("still here")
				}
			}
		})
		time.Sleep(time.Millisecond)
		k.EndLog()
		out.Write([]byte("the last words\n"))
		time.Sleep(time.Millisecond)
		close(stop)
		kittest.Await(t, done, "the chatty goroutine")
		if got := out.String(); !strings.HasSuffix(got, "the last words\n") {
			t.Fatalf("the log went on after EndLog: %q", got[max(0, len(got)-200):])
		}
		k.Discard()
	}
}
