package wait_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/wait"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitingOn returns what the goroutine named name waits on, as the kit
// says, and whether it runs.
func waitingOn(k *trace.Kit, name string) (string, bool) {
	for _, o := range k.Stats().Open {
		if o.Kind == "goroutine" && o.Name == name {
			return o.WaitingOn, true
		}
	}
	return "", false
}

func TestUntilWaitsOnStopBetweenRunsAndEndsOnItsClose(t *testing.T) {
	ctx, rec := kittest.New(t)
	stop := trace.Make(ctx, make(chan struct{}), "stop", "the test")
	runs := make(chan int, 10)
	n := 0
	done := trace.Go(ctx, "loop", func(ctx context.Context) {
		// A period far longer than the test: only the first run happens.
		wait.Until(ctx, func() { n++; runs <- n }, time.Hour, stop)
	})
	kittest.Await(t, runs, "the first run")
	// Between runs the loop waits on stop, and says so.
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(time.Millisecond) {
		if on, _ := waitingOn(rec.Kit, "loop"); on == "stop" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loop never said it waits on stop: %v", rec.Kit.Stats().Open)
		}
	}
	trace.Close(ctx, stop)
	kittest.Await(t, done, "the loop to end on stop's close")
	if n != 1 {
		t.Errorf("f ran %d times; want once", n)
	}
	var waits, recvs int
	for _, s := range rec.Spans() {
		for _, e := range s.Events {
			switch e.Name {
			case trace.EventChanWait:
				waits++
			case trace.EventChanRecv:
				recvs++
			}
		}
	}
	if waits != 1 || recvs != 1 {
		t.Errorf("%d chan.wait and %d chan.recv; want one of each, on stop", waits, recvs)
	}
}

func TestUntilRunsEveryPeriodAndNotAtAllOnceStopped(t *testing.T) {
	ctx, rec := kittest.New(t)
	stop := trace.Make(ctx, make(chan struct{}), "stop", "the test")
	runs := make(chan int)
	release := make(chan struct{})
	n := 0
	done := trace.Go(ctx, "loop", func(ctx context.Context) {
		wait.Until(ctx, func() {
			n++
			runs <- n
			if n == 3 {
				<-release
			}
		}, time.Microsecond, stop)
	})
	for range 3 {
		kittest.Await(t, runs, "a run")
	}
	// The third run holds on release: a timer woke the loop for it, and
	// while f runs, the loop waits on nothing.
	if on, ok := waitingOn(rec.Kit, "loop"); !ok || on != "" {
		t.Errorf("while f runs, the loop waits on %q (running %v); want nothing", on, ok)
	}
	trace.Close(ctx, stop)
	close(release)
	kittest.Await(t, done, "the loop to end")
	if n != 3 {
		t.Errorf("f ran %d times; want 3 (none after stop closed)", n)
	}

	called := false
	closed := make(chan struct{})
	close(closed)
	wait.Until(context.Background(), func() { called = true }, time.Microsecond, closed)
	if called {
		t.Error("Until ran f with stop already closed")
	}
}
