package view

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// A Diff compares two runs, A and B, as their traces recorded them: which
// steps, goroutines and channels each has, and their shutdowns side by
// side. Make one with [Compare]; [DiffText] and [DiffHTML] render it.
type Diff struct {
	A, B *Trace
	// NameA and NameB are what to call A and B, such as their files;
	// "A" and "B" when empty.
	NameA, NameB string

	// Steps, Goroutines and Channels list every name either trace has:
	// the step spans' names (upstream's functions), the goroutines'
	// names and the names channels were made with, each with how many
	// times A and B have it, sorted by name.
	Steps, Goroutines, Channels []Compared

	// ShutdownA and ShutdownB are each run's shutdown, from the close of
	// stopCh to the end of the trace; nil when stopCh never closed.
	ShutdownA, ShutdownB []Moment
	// Shutdown pairs the two: a row holds a moment of A, of B, or one of
	// each that stand for the same thing (see [Moment.Key]), in order.
	Shutdown []Row
}

// Compared is a name and how many times each trace has it.
type Compared struct {
	Name string
	A, B int
}

// Moment is one thing a shutdown did: a channel closed, a listener
// closed, a serving goroutine's "Stopped listening on …", a request
// ending, the run's app.Run returning, a goroutine panicking.
type Moment struct {
	At   time.Duration // after stopCh closed
	Text string        // what happened, as traceview shows it
	Lane string        // the goroutine it happened in; "main" for the main lane
	// Key is what two moments of different runs must share to stand for
	// the same thing: the text without what differs from run to run
	// (addresses) or between outcomes (a request's status).
	Key string
	// Cut is set on a request that did not end with a response: its
	// connection was cut (the process exited under it) or it failed.
	Cut bool

	time time.Time
	seq  int
}

// Row is one row of two shutdowns side by side: A, B or both are set.
type Row struct{ A, B *Moment }

// Compare compares a and b. It fails, with a message for a person, when
// they are the same run twice or were not written by the same walkthrough
// (service.name kubewalk and the same service.version): their spans
// could then mean different things.
func Compare(a, b *Trace, l lang.Lang) (*Diff, error) {
	if err := sameFormat(a, b); err != nil {
		return nil, err
	}
	if a.Spans[0].ID == b.Spans[0].ID && len(a.Spans) == len(b.Spans) {
		return nil, lang.Errorf("A and B are the same run (their first span is %s in both): compare two runs, such as --era=v1.7 and --era=modern", a.Spans[0].ID)
	}
	d := &Diff{A: a, B: b}
	d.Steps = compareNames(a.names(stepName), b.names(stepName))
	d.Goroutines = compareNames(a.names(goroutineName), b.names(goroutineName))
	d.Channels = compareNames(a.channelNames(), b.channelNames())
	d.ShutdownA, d.ShutdownB = a.shutdown(l), b.shutdown(l)
	for _, p := range align(len(d.ShutdownA), len(d.ShutdownB), func(i, j int) bool { return d.ShutdownA[i].Key == d.ShutdownB[j].Key }) {
		var r Row
		if p.a >= 0 {
			r.A = &d.ShutdownA[p.a]
		}
		if p.b >= 0 {
			r.B = &d.ShutdownB[p.b]
		}
		d.Shutdown = append(d.Shutdown, r)
	}
	return d, nil
}

// sameFormat fails unless a and b were both written by kubewalk, the same
// version of it.
func sameFormat(a, b *Trace) error {
	name := func(t *Trace) string { return t.Resource["service.name"] }
	version := func(t *Trace) string { return t.Resource["service.version"] }
	for _, s := range []struct {
		side string
		t    *Trace
	}{{"A", a}, {"B", b}} {
		if name(s.t) != "kubewalk" {
			return lang.Errorf("%s is not a walkthrough trace: its spans come from %q, not kubewalk (traceview diff compares two runs of go run ./cmd/walkthrough)", s.side, name(s.t))
		}
	}
	if version(a) != version(b) {
		return lang.Errorf("A was written by kubewalk %s and B by kubewalk %s: their trace formats may differ; record both runs with the same walkthrough", version(a), version(b))
	}
	return nil
}

func stepName(s *Span) string {
	if s.Kind() == trace.KindStep {
		return s.Name
	}
	return ""
}

// goroutineName is the name of a goroutine span, unless it was started
// for a request (one per request, as WithTimeout's): requests differ from
// run to run, and the goroutines of the servers are the story.
func goroutineName(s *Span) string {
	if s.Kind() == trace.KindGoroutine && (s.Lane == nil || s.Lane.Request == nil) {
		return s.Attrs[trace.GoroutineNameKey]
	}
	return ""
}

// names counts the non-empty names of t's spans.
func (t *Trace) names(name func(*Span) string) map[string]int {
	n := map[string]int{}
	for _, s := range t.Spans {
		if v := name(s); v != "" {
			n[v]++
		}
	}
	return n
}

// channelNames counts the names channels were made with (chan.make).
func (t *Trace) channelNames() map[string]int {
	n := map[string]int{}
	for _, s := range t.Spans {
		for _, e := range s.Events {
			if e.Name == trace.EventChanMake {
				n[e.Attrs[trace.ChanNameKey]]++
			}
		}
	}
	return n
}

func compareNames(a, b map[string]int) []Compared {
	var out []Compared
	for name, n := range a {
		out = append(out, Compared{name, n, b[name]})
	}
	for name, n := range b {
		if a[name] == 0 {
			out = append(out, Compared{name, 0, n})
		}
	}
	slices.SortFunc(out, func(x, y Compared) int { return cmp.Compare(x.Name, y.Name) })
	return out
}

// Only returns the names of cs that A has and B has not (side "A"), that
// B has and A has not ("B"), or that both have (any other side).
func Only(cs []Compared, side string) []Compared {
	var out []Compared
	for _, c := range cs {
		inA, inB := c.A > 0, c.B > 0
		if side == "A" && inA && !inB || side == "B" && inB && !inA || side != "A" && side != "B" && inA && inB {
			out = append(out, c)
		}
	}
	return out
}

// stopClose returns the event that closed stopCh, the start of a
// shutdown, or nil when stopCh never closed.
func (t *Trace) stopClose() *Event {
	var first *Event
	for _, s := range t.Spans {
		for i := range s.Events {
			e := &s.Events[i]
			if e.Name == trace.EventChanClose && e.Attrs[trace.ChanNameKey] == "stopCh" &&
				(first == nil || eventSeq(e) < eventSeq(first)) {
				first = e
			}
		}
	}
	return first
}

func eventSeq(e *Event) int {
	n, _ := strconv.Atoi(e.Attrs[trace.EventSeqKey])
	return n
}

// shutdown returns what happened from the close of stopCh on, in order,
// described in l; nil when stopCh never closed.
func (t *Trace) shutdown(l lang.Lang) []Moment {
	stop := t.stopClose()
	if stop == nil {
		return nil
	}
	from, fromSeq := stop.Time, eventSeq(stop)
	var out []Moment
	add := func(s *Span, at time.Time, seq int, text, key string) {
		lane := "main"
		if s.Lane != nil && s.Lane.Span != nil {
			lane = s.Lane.Name
		}
		out = append(out, Moment{At: at.Sub(from), Text: text, Key: key, Lane: lane, time: at, seq: seq})
	}
	for _, s := range t.Spans {
		for i := range s.Events {
			e := &s.Events[i]
			if seq := eventSeq(e); seq >= fromSeq {
				if text, key := shutdownEvent(e); key != "" {
					add(s, e.Time, seq, text, key)
				}
			}
		}
		if s.End.Before(from) || s.End.Before(s.Start) {
			continue
		}
		switch {
		case s.Kind() == trace.KindRequest:
			text, cut := requestOutcome(s, l)
			add(s, s.End, 0, text, "request "+s.Name)
			out[len(out)-1].Cut = cut
		case s.Kind() == trace.KindStep && isRun(s):
			add(s, s.End, 0, l.Sayf("%s returns", s.Name), s.Name+" returns")
		}
	}
	slices.SortStableFunc(out, func(a, b Moment) int {
		if c := a.time.Compare(b.time); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

// isRun reports whether s is the step whose return ends a run: the
// outermost app.Run, whose return upstream's main follows with the exit.
func isRun(s *Span) bool {
	return s.Name == "app.Run" && (s.Parent == nil || s.Parent.Kind() != trace.KindStep || s.Parent.Name == "main.main")
}

// shutdownEvent describes an event a shutdown shows, with its key; the
// key is empty for every other event.
func shutdownEvent(e *Event) (text, key string) {
	a := e.Attrs
	switch e.Name {
	case trace.EventChanClose:
		text = "chan.close " + a[trace.ChanNameKey]
		return text, text
	case trace.EventListenerClose:
		return "listener.close " + a["network.local.address"] + ":" + a["network.local.port"], trace.EventListenerClose
	case "exception":
		// A panic's has the stack; an error a request or step recorded
		// (an informer's request canceled at shutdown) has none.
		if a["exception.stacktrace"] != "" {
			return "PANIC " + a["exception.message"], "PANIC"
		}
		return "", ""
	}
	for _, words := range shutdownLogs {
		if strings.HasPrefix(e.Name, words) {
			return e.Name, words
		}
	}
	return "", ""
}

// shutdownLogs are upstream's words a shutdown logs, which a shutdown
// side by side shows: how each begins.
var shutdownLogs = []string{"Stopped listening on", "Failed to shutdown server"}

// requestOutcome says how request s ended: its method, path and status,
// or that it was cut off; for a watch, also why it ended (the reason its
// handler logged, up to the colon: client gone, timeout, server shutting
// down).
func requestOutcome(s *Span, l lang.Lang) (text string, cut bool) {
	text = s.Name + " → " + s.Attrs["http.response.status_code"]
	if slices.ContainsFunc(s.Events, func(e Event) bool { return e.Name == trace.EventRequestCut }) {
		text, cut = l.Sayf("%s → cut off", s.Name), true
	}
	// A watch handler logs why it ended, and its path, on the goroutine
	// that serves it, the request span's parent, while the request runs.
	if p := s.Parent; p != nil {
		for _, e := range p.Events {
			reason, ok := e.Attrs["reason"]
			if ok && e.Attrs["path"] == s.Attrs["url.path"] && !e.Time.Before(s.Start) && !e.Time.After(s.End) {
				if i := strings.IndexAny(reason, ":："); i >= 0 { // a Chinese run's reason has a full-width colon
					reason = reason[:i]
				}
				text += l.Sayf(" (watch: %s)", reason)
			}
		}
	}
	return text, cut
}

// maxAligned bounds the table align fills: past it (two traces of
// thousands of goroutines each) the lists are shown one after the other.
const maxAligned = 1 << 22

func unaligned(n, m int) []pair {
	rows := make([]pair, 0, n+m)
	for i := range n {
		rows = append(rows, pair{i, -1})
	}
	for j := range m {
		rows = append(rows, pair{-1, j})
	}
	return rows
}

// pair is a row of an alignment: an index into each list, -1 for none.
type pair struct{ a, b int }

// align pairs the items of two lists, of n and m items, that same says
// are the same, keeping both orders and pairing as many as it can (a
// longest common subsequence); every other item gets a row of its own,
// where its order puts it.
func align(n, m int, same func(i, j int) bool) []pair {
	if n*m > maxAligned {
		return unaligned(n, m)
	}
	// lcs[i][j] is the length of the longest common subsequence of the
	// lists from i and from j.
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if same(i, j) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var rows []pair
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && same(i, j):
			rows = append(rows, pair{i, j})
			i, j = i+1, j+1
		case j == m || i < n && lcs[i+1][j] >= lcs[i][j+1]:
			rows = append(rows, pair{i, -1})
			i++
		default:
			rows = append(rows, pair{-1, j})
			j++
		}
	}
	return rows
}
