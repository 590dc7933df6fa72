package kittest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// run records a tiny run: a step that makes stopCh and starts a goroutine
// waiting on it. With finish the step closes stopCh, waits for the
// goroutine and ends; without, everything is left running. The kit is
// then shut down with ending.
func run(t *testing.T, finish bool, ending trace.Ending) *kittest.Trace {
	t.Helper()
	ctx, rec, err := kittest.Start()
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "app.Run"})
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "app.Run")
	done := trace.Go(ctx, "waiter", func(ctx context.Context) { trace.Recv(ctx, stopCh) })
	if finish {
		trace.Close(ctx, stopCh)
		kittest.Await(t, done, "the waiter")
		end(nil)
	}
	if err := rec.Kit.Shutdown(context.Background(), ending); err != nil {
		t.Fatal(err)
	}
	if !finish { // let the goroutine go, now that the summary is written
		close(stopCh)
		kittest.Await(t, done, "the waiter")
	}
	return rec.Trace()
}

func TestCheckComplete(t *testing.T) {
	if err := run(t, true, trace.EndNormal).CheckComplete(trace.EndNormal); err != nil {
		t.Errorf("a finished run: %v; want nil", err)
	}
	if err := run(t, false, trace.EndPanic).CheckComplete(trace.EndPanic); err != nil {
		t.Errorf("a run cut short by a panic, its step, goroutine and channel listed open: %v; want nil", err)
	}

	for _, tt := range []struct {
		name   string
		tr     func() *kittest.Trace
		ending trace.Ending
		want   string
	}{
		{"another ending", func() *kittest.Trace { return run(t, true, trace.EndNormal) }, trace.EndSignal, `ending "normal"; want "signal"`},
		{"left open after a normal ending", func() *kittest.Trace { return run(t, false, trace.EndNormal) }, trace.EndNormal,
			`still open after a "normal" ending`},
		{"summary not last", func() *kittest.Trace {
			tr := run(t, true, trace.EndNormal)
			tr.Spans = append(tr.Spans, tr.Spans[0])
			return tr
		}, trace.EndNormal, "the last span is"},
		{"a parent missing", func() *kittest.Trace {
			tr := run(t, true, trace.EndNormal)
			for i, s := range tr.Spans {
				if s.Name == "app.Run" {
					tr.Spans = append(tr.Spans[:i], tr.Spans[i+1:]...)
					break
				}
			}
			return tr
		}, trace.EndNormal, "has a parent"},
		{"a goroutine span missing", func() *kittest.Trace {
			tr := run(t, true, trace.EndNormal)
			tr.Spans = tr.Spans[1:] // the waiter ended first
			return tr
		}, trace.EndNormal, "0 goroutine spans and 0 goroutines without one for 1 goroutines ended"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.tr().CheckComplete(tt.ending)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckComplete = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestCheckCompleteExcusesWhatUpstreamNeverStops checks that a goroutine
// upstream never stops, and the channel it waits on, which upstream
// never closes, may be open after a normal ending: the summary says so.
func TestCheckCompleteExcusesWhatUpstreamNeverStops(t *testing.T) {
	ctx, rec, err := kittest.Start()
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "app.Run"})
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "Cacher.Stop")
	trace.NeverClosed(ctx, stopCh, "v1.7 never stops a Cacher")
	done := trace.Go(ctx, "reflector", func(ctx context.Context) { trace.Recv(ctx, stopCh) },
		trace.NeverStopped("v1.7 never stops a Cacher", func() { close(stopCh) }))
	end(nil)
	if err := rec.Kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	if err := rec.Trace().CheckComplete(trace.EndNormal); err != nil {
		t.Errorf("a run whose only open goroutine and channel are never stopped nor closed upstream: %v; want nil", err)
	}
	rec.Kit.StopNeverStopped()
	kittest.Await(t, done, "the reflector")
}
