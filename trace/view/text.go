package view

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// Text writes t as a timeline: a header, then each lane with its steps
// (indented by nesting), requests and events at times relative to the
// trace's start, then what was still open at the end.
//
// Unless o.All, a long --serve stays short: in each lane, requests with the
// same method, path and status are one line with their count, and the
// goroutines started for requests (WithTimeout's, one per request) are not
// lanes of their own but lines, one per name with a count, in the lane of
// the goroutine that served the requests. A request goroutine that
// panicked keeps its lane.
func Text(w io.Writer, t *Trace, o Options) error {
	bw, l := bufio.NewWriter(w), o.Lang
	t.header(bw, l)
	lanes := t.entries(o)
	grouped := map[*Lane][]*Lane{} // serving lane → its requests' goroutines
	if !o.All {
		for _, l := range t.Lanes {
			if _, ok := lanes[l]; ok && l.Request != nil && !l.Span.Failed {
				if _, ok := lanes[l.Request.Lane]; ok {
					grouped[l.Request.Lane] = append(grouped[l.Request.Lane], l)
					delete(lanes, l)
				}
			}
		}
	}
	for _, lane := range t.Lanes {
		es, ok := lanes[lane]
		if !ok {
			continue
		}
		fmt.Fprintf(bw, "\n%s\n", printable(t.laneTitle(lane, l)))
		lines, counted := t.lines(es, o.All, l)
		lines = append(lines, t.requestGoroutines(grouped[lane], l)...)
		slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
		for _, ln := range lines {
			fmt.Fprintf(bw, "  %9s  %s\n", t.rel(ln.at), printable(ln.text))
		}
		if counted || len(grouped[lane]) > 0 {
			fmt.Fprintln(bw, l.Say("  (counted: traceview --all lists every request and every goroutine started for one)"))
		}
	}
	t.stillOpen(bw, l)
	if head, groups := t.counted(l); head != "" {
		fmt.Fprintf(bw, "\n%s:\n", printable(head))
		for _, g := range groups {
			fmt.Fprintf(bw, "  %s\n", printable(g))
		}
	}
	return bw.Flush()
}

// line is one line of a lane.
type line struct {
	at   time.Time
	text string
}

// lines describes a lane's entries. Unless all, requests with the same
// text (method, path, status) share the line of the first, with their
// count and the time of the last; counted reports whether any did.
func (t *Trace) lines(es []entry, all bool, l lang.Lang) (_ []line, counted bool) {
	type group struct {
		line, n int
		last    time.Time
	}
	var out []line
	groups := map[string]*group{}
	for _, e := range es {
		text := describe(e, l)
		if !all && e.event == nil && e.span.Kind() == trace.KindRequest {
			if g := groups[text]; g != nil {
				g.n++
				g.last = e.time
				continue
			}
			groups[text] = &group{line: len(out), n: 1}
		}
		out = append(out, line{e.time, text})
	}
	for _, g := range groups {
		if g.n > 1 {
			out[g.line].text += l.Sayf("  ×%d, the last at %s", g.n, t.rel(g.last))
			counted = true
		}
	}
	return out, counted
}

// requestGoroutines describes the goroutines started for the requests a
// lane served: a line per goroutine name, at the start of the first.
func (t *Trace) requestGoroutines(lanes []*Lane, l lang.Lang) []line {
	type group struct {
		first, last *Lane
		n           int
		ended       time.Time
	}
	var order []string
	groups := map[string]*group{}
	for _, l := range lanes {
		g := groups[l.Name]
		if g == nil {
			g = &group{first: l}
			groups[l.Name] = g
			order = append(order, l.Name)
		}
		g.n++
		g.last = l
		if e := end(l.Span); e.After(g.ended) {
			g.ended = e
		}
	}
	out := make([]line, 0, len(order))
	for _, name := range order {
		g := groups[name]
		seqs := "goroutine " + g.first.Span.Attrs[trace.GoroutineIDKey]
		if g.n > 1 {
			seqs = l.Sayf("%d goroutines, %s to %s", g.n, g.first.Span.Attrs[trace.GoroutineIDKey], g.last.Span.Attrs[trace.GoroutineIDKey])
		}
		out = append(out, line{g.first.Span.Start,
			l.Sayf("go %s (%s, one per request), the last ended %s", name, seqs, t.rel(g.ended))})
	}
	return out
}

// kinds counts the step and goroutine spans of t.
func (t *Trace) kinds() (steps, goroutines int) {
	for _, s := range t.Spans {
		switch s.Kind() {
		case trace.KindStep:
			steps++
		case trace.KindGoroutine:
			goroutines++
		}
	}
	return steps, goroutines
}

func (t *Trace) header(w io.Writer, l lang.Lang) {
	steps, goroutines := t.kinds()
	fmt.Fprintln(w, l.Sayf("trace: %s, spans %d, steps %d, goroutines %d", ms(t.End.Sub(t.Start)), len(t.Spans), steps, goroutines))
	if t.Summary != nil {
		fmt.Fprintln(w, l.Sayf("ended: %s", t.Summary.Attrs[trace.EndingKey]))
	}
	if era := t.Era(); era != "" {
		fmt.Fprintln(w, l.Sayf("era: %s", era))
	}
}

func (t *Trace) laneTitle(lane *Lane, l lang.Lang) string {
	if lane.Span == nil {
		return "[main]"
	}
	g := lane.Span
	title := fmt.Sprintf("[goroutine %s: %s]", g.Attrs[trace.GoroutineIDKey], lane.Name)
	if g.Parent != nil {
		title += l.Sayf(" started by %s", g.Parent.Name)
	}
	end := t.rel(g.End)
	if g.End.Before(g.Start) {
		end = l.Say("(no end time)")
	}
	title += l.Sayf(", %s → %s", t.rel(g.Start), end)
	if g.Failed {
		title += l.Say(", panicked")
	}
	return title
}

// describe is the text of one entry, in l.
func describe(e entry, l lang.Lang) string {
	s := e.span
	if e.event == nil {
		indent := strings.Repeat("  ", depth(s))
		if s.Kind() == trace.KindRequest {
			return fmt.Sprintf("%s%s → %s", indent, s.Name, s.Attrs["http.response.status_code"])
		}
		text := fmt.Sprintf("%s▸ %s (%s)", indent, s.Name, duration(s, l))
		if s.Failed {
			text += l.Sayf(" error: %s", s.Status)
		}
		return text
	}
	indent := ""
	if s.Kind() == trace.KindStep {
		indent = strings.Repeat("  ", depth(s)+1)
	}
	return indent + describeEvent(e.event, l)
}

func describeEvent(e *Event, l lang.Lang) string {
	a := e.Attrs
	switch e.Name {
	case trace.EventChanMake:
		return fmt.Sprintf("chan.make %s (%s)", a[trace.ChanNameKey], l.Sayf("closed by %s", a[trace.ChanOwnerKey]))
	case trace.EventChanClose, trace.EventChanWait, trace.EventChanRecv:
		return e.Name + " " + a[trace.ChanNameKey]
	case trace.EventListenerOpen, trace.EventListenerClose:
		return fmt.Sprintf("%s %s:%s", e.Name, a["network.local.address"], a["network.local.port"])
	case "exception":
		return "PANIC " + a["exception.message"]
	}
	return "log: " + e.Name
}

func (t *Trace) stillOpen(w io.Writer, l lang.Lang) {
	if t.Summary == nil {
		fmt.Fprintln(w, l.Say("\nno summary span: the run did not finish writing its trace"))
		return
	}
	var open []string
	for _, e := range t.Summary.Events {
		if e.Name == trace.EventStillOpen {
			open = append(open, fmt.Sprintf("  %s %s %s", e.Attrs[trace.StillOpenKindKey], e.Attrs[trace.StillOpenNameKey], e.Attrs[trace.StillOpenDetailKey]))
		}
	}
	if len(open) == 0 {
		fmt.Fprintln(w, l.Say("\nstill open at the end: nothing"))
		return
	}
	fmt.Fprintln(w, l.Say("\nstill open at the end:"))
	fmt.Fprintln(w, strings.Join(open, "\n"))
}

// duration is how long s took, or says in l that it has no end time.
func duration(s *Span, l lang.Lang) string {
	if s.End.Before(s.Start) {
		return l.Say("no end time")
	}
	return ms(s.End.Sub(s.Start))
}

// printable replaces control characters, such as terminal escapes a
// damaged or hostile file could carry, with U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// rel is t's offset from the trace's start, e.g. +1.204ms.
func (t *Trace) rel(at time.Time) string { return "+" + ms(at.Sub(t.Start)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }
