package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var endings = map[trace.Ending]string{
	trace.EndNormal: lang.N("normal: the tour closed stopCh and every server shut down"),
	trace.EndSignal: lang.N("signal: SIGINT or SIGTERM closed stopCh and every server shut down"),
	trace.EndError:  lang.N("error: a step failed, and Run returned its error"),
}

// printSummary writes, in l, what the run started and ended, and how many
// requests were only counted, when some were.
func printSummary(w io.Writer, l lang.Lang, st trace.Stats, rc trace.RequestCounts, ending trace.Ending, wall time.Duration, traceFile string) {
	line := func(s string) { fmt.Fprintln(w, s) }
	line(l.Say("\nwalkthrough summary"))
	line(l.Sayf("  ended:      %s", l.Say(endings[ending])))
	line(l.Sayf("  steps:      %d", st.Steps))
	line(l.Sayf("  goroutines: %d started, %d ended", st.GoroutinesStarted, st.GoroutinesEnded))
	line(l.Sayf("  channels:   %d made, %d closed", st.ChansMade, st.ChansClosed))
	line(l.Sayf("  listeners:  %d opened, %d closed", st.ListenersOpened, st.ListenersClosed))
	line(l.Sayf("  wall time:  %s", wall.Round(time.Microsecond)))
	if len(st.Open) == 0 {
		line(l.Say("  still open: nothing"))
	}
	for _, o := range st.Open {
		line(l.Sayf("  still open: %s", o))
	}
	if rc.Unrecorded > 0 {
		line(l.Sayf("  requests:   %d with a span, %d counted by path and status (the trace's summary span has their counts and latencies)",
			rc.Recorded, rc.Unrecorded))
	}
	if traceFile != "" {
		line(l.Sayf("  trace:      %s (go run ./cmd/traceview %s)", traceFile, traceFile))
	}
}
