package kittest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
)

// Deadline bounds the waits of [Await] and [Recorder.Wait]: a wait that
// passes it fails the test, naming what it waited for, instead of hanging
// until go test's own timeout. It is a bound on a bug, never a margin a
// passing test relies on.
const Deadline = 15 * time.Second

// Await returns the first value received from ch (the zero value when ch
// is closed), or fails tb when none arrives within Deadline. what names
// the wait in the failure. Call it from the test's goroutine.
func Await[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	timer := time.NewTimer(Deadline)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		tb.Fatalf("waited %v for %s", Deadline, what)
		panic("unreachable")
	}
}

// Wait blocks until no goroutine started through r's kit is running, or
// fails tb after Deadline, listing what is still open.
func (r *Recorder) Wait(tb testing.TB) {
	tb.Helper()
	WaitKit(tb, r.Kit)
}

// WaitKit is [Recorder.Wait] for a kit the test set up itself.
func WaitKit(tb testing.TB, k *trace.Kit) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	if err := k.Wait(ctx); err != nil {
		tb.Fatalf("waited %v for the kit's goroutines to end; still open: %+v", Deadline, k.Stats().Open)
	}
}

// End shuts r's kit down with [trace.EndNormal], for examples, which have
// no testing.TB: an error is printed to standard output, where the
// example's checked Output shows it.
func (r *Recorder) End() {
	if err := r.Kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
		fmt.Println("kittest: shutting the kit down:", err)
	}
}
