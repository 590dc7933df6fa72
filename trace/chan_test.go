package trace_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// TestAChannelIsKnownWhateverItsDirection: Make names a chan T; a
// receive through a <-chan T of it and a close through a chan<- T of it
// are recorded under that name, with the same chan.seq.
func TestAChannelIsKnownWhateverItsDirection(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	results := trace.Make(ctx, make(chan string, 1), "results", "the test")
	var recvOnly <-chan string = results
	var sendOnly chan<- string = results

	sendOnly <- "ADDED"
	if v, ok := trace.Recv(ctx, recvOnly); v != "ADDED" || !ok {
		t.Errorf("Recv = %q, %t; want ADDED, true", v, ok)
	}
	trace.Close(ctx, sendOnly)
	if v, ok := trace.Recv(ctx, recvOnly); v != "" || ok {
		t.Errorf("Recv after Close = %q, %t; want \"\", false", v, ok)
	}
	end(nil)

	var got []string
	seqs := map[string]bool{}
	for _, e := range rec.Events() {
		got = append(got, e.String())
		seqs[e.Attrs[trace.ChanIDKey]] = true
	}
	want := []string{"chan.make results", "chan.wait results", "chan.recv results",
		"chan.close results", "chan.wait results", "chan.recv results"}
	if !slices.Equal(got, want) {
		t.Errorf("events = %q; want %q", got, want)
	}
	if len(seqs) != 1 {
		t.Errorf("chan.seq values = %v; want one channel", seqs)
	}
	if st := rec.Kit.Stats(); st.ChansMade != 1 || st.ChansClosed != 1 {
		t.Errorf("Stats() = %+v; want one channel made and closed", st)
	}
}

func TestAChannelNotMadeThroughTheKitIsUnnamed(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	ch := make(chan struct{})
	trace.Close(ctx, ch)
	trace.Recv(ctx, ch)
	end(nil)
	if got := rec.Lane("test"); got != "chan.close unnamed\nchan.wait unnamed\nchan.recv unnamed\n" {
		t.Errorf("events:\n%s; want close, wait, recv of unnamed", got)
	}
	if st := rec.Kit.Stats(); st.ChansMade != 0 || st.ChansClosed != 0 {
		t.Errorf("Stats() = %+v; want no channel counted", st)
	}
}

// TestSelectRecordsEveryWaitAndTheCaseThatRan: Select records a wait per
// channel and shows the goroutine waiting on all of them; Selected
// records the receive of the case that ran; a value that is not a
// channel is ignored.
func TestSelectRecordsEveryWaitAndTheCaseThatRan(t *testing.T) {
	ctx, rec := kittest.New(t)
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")
	timeoutCh := trace.Make(ctx, make(chan struct{}), "timeoutCh", "nobody")
	done := trace.Go(ctx, "watcher", func(ctx context.Context) {
		trace.Select(ctx, stopCh, timeoutCh, "not a channel")
		select {
		case <-stopCh:
			trace.Selected(ctx, stopCh)
		case <-timeoutCh:
			trace.Selected(ctx, timeoutCh)
		}
	})
	waitUntil(t, func() bool {
		st := rec.Kit.Stats()
		return slices.ContainsFunc(st.Open, func(o trace.Open) bool {
			return strings.HasSuffix(o.Detail, "waiting on stopCh or timeoutCh")
		})
	})
	trace.Close(ctx, stopCh)
	kittest.Await(t, done, "the watcher to end")

	if got, want := rec.Lane("watcher"), "chan.wait stopCh\nchan.wait timeoutCh\nchan.recv stopCh\n"; got != want {
		t.Errorf("watcher's events:\n%s; want\n%s", got, want)
	}
}
