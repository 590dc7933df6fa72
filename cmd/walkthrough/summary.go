package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var endings = map[trace.Ending]string{
	trace.EndNormal: lang.N("normal: the tour closed stopCh and every server shut down"),
	trace.EndSignal: lang.N("signal: SIGINT or SIGTERM closed stopCh and every server shut down"),
	trace.EndError:  lang.N("error: a step failed, and Run returned its error"),
}

// printSummary writes, in l, what the run started and ended, and how many
// requests were only counted, when some were. Goroutines that served one
// request are counted on a line of their own: as many as the requests,
// they vary from run to run. What upstream never stops or closes is
// listed apart, under its reason, from what is still open by mistake.
func printSummary(w io.Writer, l lang.Lang, st trace.Stats, rc trace.RequestCounts, ending trace.Ending, wall time.Duration, traceFile string) {
	line := func(s string) { fmt.Fprintln(w, s) }
	line(l.Say("\nwalkthrough summary"))
	line(l.Sayf("  ended:      %s", l.Say(endings[ending])))
	line(l.Sayf("  steps:      %d", st.Steps))
	line(l.Sayf("  goroutines: %d started, %d ended",
		st.GoroutinesStarted-st.RequestGoroutinesStarted, st.GoroutinesEnded-st.RequestGoroutinesEnded))
	if st.RequestGoroutinesStarted > 0 {
		line(l.Sayf("  requests:   served with %d goroutines started, %d ended",
			st.RequestGoroutinesStarted, st.RequestGoroutinesEnded))
	}
	line(l.Sayf("  channels:   %d made, %d closed", st.ChansMade, st.ChansClosed))
	line(l.Sayf("  listeners:  %d opened, %d closed", st.ListenersOpened, st.ListenersClosed))
	if started := st.Counts[server.CountHooksStarted]; started > 0 {
		line(l.Sayf("  hooks:      %d post-start hooks started, %d done", started, st.Counts[server.CountHooksDone]))
	}
	line(l.Sayf("  wall time:  %s", wall.Round(time.Microsecond)))
	rest, never := splitOpen(st.Open)
	if len(rest) == 0 {
		line(l.Say("  still open: nothing"))
	}
	for _, o := range rest {
		line(l.Sayf("  still open: %s", o))
	}
	if len(never) > 0 {
		line(l.Say("  still running as the process ends, as upstream leaves them:"))
		printNeverEnded(w, l, never)
	}
	if rc.Unrecorded > 0 {
		line(l.Sayf("  requests:   %d with a span, %d counted by path and status (the trace's summary span has their counts and latencies)",
			rc.Recorded, rc.Unrecorded))
	}
	if traceFile != "" {
		line(l.Sayf("  trace:      %s (go run ./cmd/traceview %s)", traceFile, traceFile))
	}
}

// neverEnded are the goroutines and channels upstream never stops or
// closes for one reason.
type neverEnded struct {
	why   string
	items []trace.Open
}

// splitOpen returns what is open by mistake, as given, and what upstream
// never ends, by reason, in the order the reasons first come, each
// reason's goroutines then channels by name (and owner): the order the goroutines
// of a watch cache start in varies from run to run.
func splitOpen(open []trace.Open) (rest []trace.Open, never []neverEnded) {
	for _, o := range open {
		if o.NeverStopped == "" {
			rest = append(rest, o)
			continue
		}
		i := slices.IndexFunc(never, func(n neverEnded) bool { return n.why == o.NeverStopped })
		if i < 0 {
			never = append(never, neverEnded{why: o.NeverStopped})
			i = len(never) - 1
		}
		never[i].items = append(never[i].items, o)
	}
	for _, n := range never {
		slices.SortStableFunc(n.items, func(a, b trace.Open) int {
			return cmp.Or(cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Owner, b.Owner))
		})
	}
	return rest, never
}

func kindOrder(kind string) int {
	if kind == "goroutine" {
		return 0
	}
	return 1
}

// printNeverEnded writes never, in l: each reason, then what it keeps
// running, each line wrapped at 100 columns.
func printNeverEnded(w io.Writer, l lang.Lang, never []neverEnded) {
	for _, n := range never {
		for _, line := range trace.Wrap("    ", "    ", l.Sayf("%s:", l.Say(n.why))) {
			fmt.Fprintln(w, line)
		}
		for _, o := range n.items {
			item := o.Kind + " " + o.Name
			if o.Kind == "chan" {
				item += " (" + l.Sayf("closed by %s", o.Owner) + ")"
			}
			for _, line := range trace.Wrap("      ", "        ", item) {
				fmt.Fprintln(w, line)
			}
		}
	}
}
