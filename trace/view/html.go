package view

import (
	"embed"
	"html/template"
	"io"
	"strconv"

	"github.com/kubewalk/kubewalk/trace"
)

// The page is one file: the template, its style and its script are
// embedded here and written inline, so the page needs no network and no
// server to open.
var (
	//go:embed html/page.html.tmpl html/page.css html/page.js
	assets embed.FS

	pageTemplate = template.Must(template.ParseFS(assets, "html/page.html.tmpl"))
	pageStyle    = template.CSS(mustAsset("html/page.css"))
	pageScript   = template.JS(mustAsset("html/page.js"))
)

func mustAsset(name string) string {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: a missing file cannot build
	}
	return string(b)
}

// HTML writes t as one self-contained HTML page: a summary header, then a
// timeline with one swimlane per goroutine (main first, then in the order
// their go statements ran), step and request spans as nested bars on a
// shared time axis, markers for channel, listener, panic and log events,
// and arrows from each chan.close to every chan.recv it woke. Clicking a
// bar or marker shows its attributes and events, with a link to the
// upstream file pinned to its tag and our file and line.
//
// The options choose the spans and log lines as they do for [Text]. The
// page loads nothing: style, script and the trace (as one JSON blob) are
// inline, and html/template escapes every text of the trace. It draws
// only what is in view, so a trace of 100k spans still scrolls. HTML
// returns the first error writing to w.
func HTML(w io.Writer, t *Trace, o Options) error {
	d := t.pageData(o)
	p := page{
		Title:   "kubewalk trace",
		Summary: t.summary(),
		Lanes:   len(d.Lanes),
		Marks:   legendMarks,
		Style:   pageStyle,
		Script:  pageScript,
		Data:    d,
	}
	if p.Summary.Ending != "" {
		p.Title += ": " + p.Summary.Ending
	}
	return pageTemplate.Execute(w, p)
}

// page is what the template renders.
type page struct {
	Title   string
	Summary summary
	Lanes   int
	Marks   []legendMark
	Style   template.CSS
	Script  template.JS
	Data    *pageData
}

// summary is the header: the counts of the walkthrough.summary span, or
// what can be counted from the spans when the run wrote none.
type summary struct {
	Ending    string // empty when there is no summary span
	Spans     int
	Wall      string
	Counts    []count
	StillOpen []stillOpen
	// Counted says how many requests were served without a span, and
	// Requests how they went, by method, path and status.
	Counted  string
	Requests []string
}

type count struct{ Name, Value string }

type stillOpen struct{ Kind, Name, Detail string }

func (t *Trace) summary() summary {
	s := summary{Spans: len(t.Spans), Wall: ms(t.End.Sub(t.Start))}
	if t.Summary == nil {
		steps, goroutines := t.kinds()
		s.Counts = []count{{"steps", strconv.Itoa(steps)}, {"goroutines", strconv.Itoa(goroutines) + " in the file"}}
		return s
	}
	a := t.Summary.Attrs
	s.Ending = a[trace.EndingKey]
	s.Counts = []count{
		{"steps", a[trace.StepsKey]},
		{"goroutines", a[trace.GoroutinesStartedKey] + " started, " + a[trace.GoroutinesEndedKey] + " ended"},
		{"channels", a[trace.ChansMadeKey] + " made, " + a[trace.ChansClosedKey] + " closed"},
		{"listeners", a[trace.ListenersOpenedKey] + " opened, " + a[trace.ListenersClosedKey] + " closed"},
	}
	s.Counted, s.Requests = t.counted()
	for _, e := range t.Summary.Events {
		if e.Name == trace.EventStillOpen {
			s.StillOpen = append(s.StillOpen, stillOpen{
				Kind: e.Attrs[trace.StillOpenKindKey], Name: e.Attrs[trace.StillOpenNameKey], Detail: e.Attrs[trace.StillOpenDetailKey]})
		}
	}
	return s
}

// EndingClass is the CSS class of the ending badge: ok, warn or bad.
func (s summary) EndingClass() string {
	switch trace.Ending(s.Ending) {
	case trace.EndNormal, trace.EndSignal:
		return "ok"
	case trace.EndPanic:
		return "bad"
	}
	return "warn"
}

// legendMark is one kind of marker as the legend shows it; the script
// draws the same shape in the same colour.
type legendMark struct{ Name, Label string }

var legendMarks = []legendMark{
	{trace.EventChanMake, "channel made"},
	{trace.EventChanWait, "blocks on a channel"},
	{trace.EventChanClose, "channel closed"},
	{trace.EventChanRecv, "woken: channel closed"},
	{trace.EventListenerOpen, "listener opened"},
	{trace.EventListenerClose, "listener closed"},
	{"log", "log line in upstream's words"},
	{"panic", "goroutine panicked"},
}
