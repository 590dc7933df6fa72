package view

import (
	"cmp"
	"slices"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// Options choose what a rendering shows.
type Options struct {
	// Chapter, when set, keeps only the steps of that chapter
	// (walkthrough.chapter) and the goroutines they started.
	Chapter string
	// Logs shows every log line. By default only the lines that carry no
	// teaching note are shown — those in upstream's own words, such as
	// "Stopped listening on …" — and warnings and errors.
	Logs bool
	// Requests shows request spans and the goroutines they started.
	Requests bool
	// All lists every request and every goroutine started for one on a
	// line of its own. By default [Text] counts them instead: one line per
	// path and status, and one per name of the requests' goroutines, under
	// the goroutine that served them.
	All bool
	// Lang is the language of the labels (package lang); the zero value is
	// English. What the trace recorded is shown as it was recorded.
	Lang lang.Lang
}

// entry is one line of a lane: a span starting, or an event.
type entry struct {
	time  time.Time
	span  *Span  // the span that starts, or that the event is on
	event *Event // nil when the span starts
}

// lifecycleEvents are the events shown without Options.Logs.
var lifecycleEvents = map[string]bool{
	trace.EventChanMake: true, trace.EventChanClose: true, trace.EventChanWait: true, trace.EventChanRecv: true,
	trace.EventListenerOpen: true, trace.EventListenerClose: true, "exception": true,
}

// entries returns, lane by lane, what the options keep, in time order;
// lanes with nothing kept are left out.
func (t *Trace) entries(o Options) map[*Lane][]entry {
	out := map[*Lane][]entry{}
	for _, s := range t.Spans {
		if !o.keeps(s) {
			continue
		}
		if s.Kind() != trace.KindGoroutine {
			out[s.Lane] = append(out[s.Lane], entry{time: s.Start, span: s})
		}
		for i := range s.Events {
			e := &s.Events[i]
			if lifecycleEvents[e.Name] || o.showsLog(e) {
				out[s.Lane] = append(out[s.Lane], entry{time: e.Time, span: s, event: e})
			}
		}
		if s.Kind() == trace.KindGoroutine && out[s.Lane] == nil {
			out[s.Lane] = []entry{} // a goroutine that did nothing worth showing still has a lane
		}
	}
	for _, es := range out {
		sortEntries(es)
	}
	return out
}

func sortEntries(es []entry) {
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.time.UnixNano(), b.time.UnixNano()) })
}

// showsLog reports whether e is a log line the options show.
func (o Options) showsLog(e *Event) bool {
	level := e.Attrs[trace.LogLevelKey]
	if level == "" {
		return false
	}
	_, annotated := e.Attrs[trace.LogNoteKey]
	return o.Logs || !annotated || level == "warn" || level == "error"
}

// keeps reports whether the options keep s.
func (o Options) keeps(s *Span) bool {
	switch s.Kind() {
	case trace.KindSummary:
		return false
	case trace.KindRequest:
		return o.Requests && o.Chapter == ""
	}
	if !o.Requests && underRequest(s) {
		return false
	}
	if o.Chapter == "" {
		return true
	}
	return chapterOf(s) == o.Chapter
}

// chapterOf returns the chapter of s, or of its nearest ancestor that
// has one: a step, or a goroutine that runs an upstream function
// (trace.Mirroring), such as a post-start hook's, which belongs to that
// function's chapter rather than to the step that started it.
func chapterOf(s *Span) string {
	for ; s != nil; s = s.Parent {
		if s.Kind() == trace.KindStep || s.Kind() == trace.KindGoroutine && s.Attrs[trace.ChapterKey] != "" {
			return s.Attrs[trace.ChapterKey]
		}
	}
	return ""
}

func underRequest(s *Span) bool { return requestOf(s) != nil }

// depth is how many step ancestors s has in its own lane, for indenting.
func depth(s *Span) int {
	n := 0
	for p := s.Parent; p != nil && p.Lane == s.Lane; p = p.Parent {
		if p.Kind() == trace.KindStep {
			n++
		}
	}
	return n
}
