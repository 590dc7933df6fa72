package trace_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

var upHook = trace.Upstream{
	Function: "master.Controller.PostStartHook",
	File:     "pkg/master/controller.go",
	Ref:      "v1.7.3",
	Chapter:  "poststarthooks",
}

func TestMirroringPutsTheUpstreamFunctionOnTheGoroutineSpan(t *testing.T) {
	ctx, rec := kittest.New(t)
	<-trace.Go(ctx, "runPostStartHook: bootstrap-controller", func(ctx context.Context) {
		trace.Mirroring(ctx, upHook)
	})

	s := rec.Span(t, "runPostStartHook: bootstrap-controller")
	want := map[string]string{
		trace.KindKey:             trace.KindGoroutine,
		trace.UpstreamFunctionKey: upHook.Function,
		trace.UpstreamFileKey:     upHook.File,
		trace.UpstreamRefKey:      upHook.Ref,
		trace.ChapterKey:          upHook.Chapter,
	}
	for key, w := range want {
		if got := kittest.Attr(s, key); got != w {
			t.Errorf("attribute %s = %q; want %q", key, got, w)
		}
	}
}

func TestPauseIsCalledWhenAMirroringGoroutineEnds(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	k, err := trace.Setup(trace.Config{Pause: func(up trace.Upstream, ended bool) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, up.Function)
		if !ended {
			t.Errorf("Pause(%s, false) for a goroutine; want only ended", up.Function)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Shutdown(context.Background(), trace.EndNormal)
	ctx := k.Context(context.Background())
	<-trace.Go(ctx, "plain", func(context.Context) {})
	<-trace.Go(ctx, "hook", func(ctx context.Context) { trace.Mirroring(ctx, upHook) })
	if err := k.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	// The pause runs after done is closed: wait for it without a timing margin.
	for range 1000 {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(calls, []string{upHook.Function}) {
		t.Errorf("Pause calls = %q; want only the mirroring goroutine's", calls)
	}
}

// TestNeverStoppedGoroutines starts a goroutine that, as upstream's
// bootstrap runner, nothing stops: Wait does not wait for it, Stats says
// why it is still running, and only StopNeverStopped ends it.
func TestNeverStoppedGoroutines(t *testing.T) {
	ctx, rec := kittest.New(t)
	stop := make(chan struct{})
	var once sync.Once
	stopRunner := func() { once.Do(func() { close(stop) }) }
	why := "v1.7 never calls Runner.Stop"
	childCh := make(chan (<-chan struct{}), 1)
	ended := trace.Go(ctx, "runner", func(ctx context.Context) {
		// What the runner starts and makes lasts as long as it does.
		results := trace.Make(ctx, make(chan struct{}), "results", "runner")
		childCh <- trace.Go(ctx, "runner's child", func(context.Context) { <-stop })
		<-stop
		trace.Close(ctx, results)
	}, trace.NeverStopped(why, stopRunner))
	child := <-childCh

	waitCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rec.Kit.Wait(waitCtx); err != nil {
		t.Fatalf("Wait = %v; want it not to wait for a never-stopped goroutine", err)
	}
	open := rec.Kit.Stats().Open
	if len(open) != 3 || open[0].Name != "runner" || open[0].NeverStopped != why ||
		open[1].Name != "runner's child" || open[1].NeverStopped != why ||
		open[2].Name != "results" || open[2].NeverStopped != why {
		t.Fatalf("Stats().Open = %+v; want the runner, its child and its channel, never ended because %q", open, why)
	}

	rec.Kit.StopNeverStopped()
	if err := rec.Kit.Wait(waitCtx); err != nil {
		t.Fatalf("Wait after StopNeverStopped = %v", err)
	}
	<-ended
	<-child
	if open := rec.Kit.Stats().Open; len(open) != 0 {
		t.Errorf("Stats().Open = %+v after StopNeverStopped; want nothing", open)
	}
	if got := kittest.Attr(rec.Span(t, "runner"), trace.NeverStoppedKey); got != why {
		t.Errorf("span attribute %s = %q; want %q", trace.NeverStoppedKey, got, why)
	}
}

func TestCountIsInStatsAndTheSummary(t *testing.T) {
	ctx, rec := kittest.New(t)
	trace.Count(ctx, "poststarthooks.started", 1)
	trace.Count(ctx, "poststarthooks.started", 1)
	if got := rec.Kit.Stats().Counts["poststarthooks.started"]; got != 2 {
		t.Errorf("Stats().Counts = %v; want poststarthooks.started 2", rec.Kit.Stats().Counts)
	}
	if err := rec.Kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	if got := kittest.Attr(rec.Span(t, trace.SummarySpanName), trace.CountKeyPrefix+"poststarthooks.started"); got != "2" {
		t.Errorf("summary attribute = %q; want 2", got)
	}
}
