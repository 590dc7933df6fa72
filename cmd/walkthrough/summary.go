package main

import (
	"fmt"
	"io"
	"time"

	"github.com/kubewalk/kubewalk/trace"
)

var endings = map[trace.Ending]string{
	trace.EndNormal: "normal: the tour closed stopCh and every server shut down",
	trace.EndSignal: "signal: SIGINT or SIGTERM closed stopCh and every server shut down",
	trace.EndError:  "error: a step failed, and Run returned its error",
}

// printSummary writes what the run started and ended, and how many
// requests were only counted, when some were.
func printSummary(w io.Writer, st trace.Stats, rc trace.RequestCounts, ending trace.Ending, wall time.Duration, traceFile string) {
	fmt.Fprintf(w, "\nwalkthrough summary\n")
	fmt.Fprintf(w, "  ended:      %s\n", endings[ending])
	fmt.Fprintf(w, "  steps:      %d\n", st.Steps)
	fmt.Fprintf(w, "  goroutines: %d started, %d ended\n", st.GoroutinesStarted, st.GoroutinesEnded)
	fmt.Fprintf(w, "  channels:   %d made, %d closed\n", st.ChansMade, st.ChansClosed)
	fmt.Fprintf(w, "  listeners:  %d opened, %d closed\n", st.ListenersOpened, st.ListenersClosed)
	fmt.Fprintf(w, "  wall time:  %s\n", wall.Round(time.Microsecond))
	if len(st.Open) == 0 {
		fmt.Fprintf(w, "  still open: nothing\n")
	}
	for _, o := range st.Open {
		fmt.Fprintf(w, "  still open: %s\n", o)
	}
	if rc.Unrecorded > 0 {
		fmt.Fprintf(w, "  requests:   %d with a span, %d counted by path and status (the trace's summary span has their counts and latencies)\n",
			rc.Recorded, rc.Unrecorded)
	}
	if traceFile != "" {
		fmt.Fprintf(w, "  trace:      %s (go run ./cmd/traceview %s)\n", traceFile, traceFile)
	}
}
