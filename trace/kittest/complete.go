package kittest

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/kubewalk/kubewalk/trace"
)

// CheckComplete checks that t is the whole trace of a run that ended with
// ending, and returns every problem it finds, joined:
//
//   - the summary span is the last span, and the only one, and says
//     ending;
//   - every span's parent is in the trace, or is a step the summary lists
//     as still running (a crash leaves those unended);
//   - the goroutines, channels, listeners and steps balance: each one
//     started has ended, or the summary lists it as still open, and each
//     goroutine or step that ended has its span in the trace (but the
//     request goroutines the summary counts as having none); a goroutine
//     still running (one upstream never stops, or any when the process
//     died from inside) has its span too, marked walkthrough.still_running.
//
// Only the endings that end the process from inside a goroutine — a
// panic, a second signal, a fatal log line — may leave anything open;
// after the others, nothing may be but what upstream never stops or
// closes (trace.NeverStopped, trace.NeverClosed), and channels whose
// closer never started (the done channels of post-start hooks, when the
// run failed before it ran them).
func (t *Trace) CheckComplete(ending trace.Ending) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(t.Spans) == 0 {
		return errors.New("the trace has no spans")
	}
	sum := t.Spans[len(t.Spans)-1]
	if sum.Name != trace.SummarySpanName {
		return fmt.Errorf("the last span is %q; want %s", sum.Name, trace.SummarySpanName)
	}
	if n := len(t.Named(trace.SummarySpanName)); n != 1 {
		fail("%d summary spans; want 1", n)
	}
	if got := sum.Attr(trace.EndingKey); got != string(ending) {
		fail("ending %q; want %q", got, ending)
	}

	started := map[string]bool{} // the names of the goroutines that ran
	for _, s := range t.Spans {
		if s.Attr(trace.KindKey) == trace.KindGoroutine {
			started[s.Name] = true
		}
	}
	open := map[string]int{}
	openSteps := map[string]bool{}
	runningSpans := 0           // goroutines still open that have a span
	excused := map[string]int{} // open, rightly: upstream never ends them, or their closer never ran
	for _, e := range sum.Events {
		if e.Name != trace.EventStillOpen {
			continue
		}
		kind := e.Attrs[trace.StillOpenKindKey]
		open[kind]++
		if owner := e.Attrs[trace.StillOpenOwnerKey]; owner != "" && !started[owner] {
			excused[kind]++
			continue
		}
		id := e.Attrs[trace.StillOpenSpanIDKey]
		if kind == "goroutine" && id != "" {
			runningSpans++
		}
		if e.Attrs[trace.StillOpenNeverKey] != "" {
			excused[kind]++
			continue
		}
		if kind == "step" && id != "" {
			openSteps[id] = true
		}
	}
	switch ending {
	case trace.EndPanic, trace.EndSecondSignal, trace.EndFatal:
	default:
		for kind, n := range open {
			if n > excused[kind] {
				fail("still open after a %q ending: %v (of which upstream never ends, or nothing could close, %v); want nothing else",
					ending, open, excused)
				break
			}
		}
	}

	ids := map[string]bool{}
	spans := map[string]int{}
	stillRunning := 0
	for _, s := range t.Spans {
		ids[s.ID] = true
		if s.Attr(trace.StillRunningKey) == "true" {
			if s.Attr(trace.KindKey) == trace.KindGoroutine {
				stillRunning++ // a goroutine's still running, ended by Shutdown
			}
			continue
		}
		spans[s.Attr(trace.KindKey)]++
	}
	if stillRunning != runningSpans {
		fail("%d spans of goroutines still running; want one per goroutine still open with a span (%d)", stillRunning, runningSpans)
	}
	for _, s := range t.Spans {
		if s.Parent != "" && !ids[s.Parent] && !openSteps[s.Parent] {
			fail("span %s (%s) has a parent, %s, that is neither in the trace nor a step still running", s.Name, s.ID, s.Parent)
		}
	}

	count := func(key string) int {
		n, err := strconv.Atoi(sum.Attr(key))
		if err != nil {
			fail("summary %s = %q: %v", key, sum.Attr(key), err)
		}
		return n
	}
	balance := func(what, startedKey, endedKey, kind string) {
		started, ended := count(startedKey), count(endedKey)
		if started != ended+open[kind] {
			fail("%s: %d started, %d ended, %d still open; want them to balance", what, started, ended, open[kind])
		}
	}
	balance("goroutines", trace.GoroutinesStartedKey, trace.GoroutinesEndedKey, "goroutine")
	balance("channels", trace.ChansMadeKey, trace.ChansClosedKey, "chan")
	balance("listeners", trace.ListenersOpenedKey, trace.ListenersClosedKey, "listener")
	// Request goroutines past the kit's span limit end without a span:
	// the summary counts them.
	unrecorded := 0
	if sum.Attr(trace.GoroutinesUnrecordedKey) != "" {
		unrecorded = count(trace.GoroutinesUnrecordedKey)
	}
	if ended := count(trace.GoroutinesEndedKey); spans[trace.KindGoroutine]+unrecorded != ended {
		fail("%d goroutine spans and %d goroutines without one for %d goroutines ended", spans[trace.KindGoroutine], unrecorded, ended)
	}
	if steps := count(trace.StepsKey); spans[trace.KindStep]+open["step"] != steps {
		fail("%d step spans and %d steps still running for %d steps", spans[trace.KindStep], open["step"], steps)
	}
	return errors.Join(errs...)
}
