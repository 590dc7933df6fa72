package view

import (
	"embed"
	"html/template"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// The page is one file: the template, its style and its script are
// embedded here and written inline, so the page needs no network and no
// server to open.
var (
	//go:embed html/page.html.tmpl html/page.css html/page.js
	assets embed.FS

	// The template says its texts with say, sayf and sayHTML (a text
	// with markup, from our own tables), bound to a language by HTML.
	pageTemplate = template.Must(template.New("page.html.tmpl").Funcs(template.FuncMap{
		"say": lang.English.Say, "sayf": lang.English.Sayf, "sayHTML": sayHTML(lang.English),
	}).ParseFS(assets, "html/page.html.tmpl"))
	pageStyle  = template.CSS(mustAsset("html/page.css"))
	pageScript = template.JS(mustAsset("html/page.js"))
	// pageTexts are the texts the script says, with say('…') or
	// sayf('…', …): HTML gives the page their translations.
	pageTexts = scriptTexts(mustAsset("html/page.js"))
)

func sayHTML(l lang.Lang) func(string) template.HTML {
	return func(s string) template.HTML { return template.HTML(l.Say(s)) }
}

func scriptTexts(script string) []string {
	var texts []string
	for _, m := range regexp.MustCompile(`\bsayf?\('((?:[^'\\]|\\.)*)'`).FindAllStringSubmatch(script, -1) {
		texts = append(texts, strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(m[1]))
	}
	return texts
}

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
// returns the first error writing to w. Its labels are in o.Lang.
func HTML(w io.Writer, t *Trace, o Options) error {
	d, l := t.pageData(o), o.Lang
	p := page{
		Lang:    l.Tag(),
		Title:   l.Say("kubewalk trace"),
		Summary: t.summary(l),
		Lanes:   len(d.Lanes),
		Marks:   legendMarks,
		Style:   pageStyle,
		Script:  pageScript,
		Words:   map[string]string{},
		Data:    d,
	}
	if p.Summary.Ending != "" {
		p.Title += ": " + p.Summary.Ending
	}
	return p.execute(w, l)
}

// execute renders p in l.
func (p page) execute(w io.Writer, l lang.Lang) error {
	for _, s := range pageTexts {
		if said := l.Say(s); said != s {
			p.Words[s] = said
		}
	}
	tmpl, err := pageTemplate.Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(template.FuncMap{"say": l.Say, "sayf": l.Sayf, "sayHTML": sayHTML(l)})
	return tmpl.Execute(w, p)
}

// page is what the template renders.
type page struct {
	Lang    string // the page's language, as html's lang attribute
	Title   string
	Summary summary
	Diff    *diffPage // the two runs of a diff; nil for one trace
	Lanes   int
	Marks   []legendMark
	Style   template.CSS
	Script  template.JS
	Words   map[string]string // the script's texts, translated (English: none)
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

func (t *Trace) summary(l lang.Lang) summary {
	s := summary{Spans: len(t.Spans), Wall: ms(t.End.Sub(t.Start))}
	if era := t.Era(); era != "" {
		s.Counts = []count{{l.Say("era"), era}}
	}
	if t.Summary == nil {
		steps, goroutines := t.kinds()
		s.Counts = append(s.Counts, count{l.Say("steps"), strconv.Itoa(steps)}, count{l.Say("goroutines"), l.Sayf("%d in the file", goroutines)})
		return s
	}
	a := t.Summary.Attrs
	s.Ending = a[trace.EndingKey]
	s.Counts = append(s.Counts, []count{
		{l.Say("steps"), a[trace.StepsKey]},
		{l.Say("goroutines"), l.Sayf("%s started, %s ended", a[trace.GoroutinesStartedKey], a[trace.GoroutinesEndedKey])},
		{l.Say("channels"), l.Sayf("%s made, %s closed", a[trace.ChansMadeKey], a[trace.ChansClosedKey])},
		{l.Say("listeners"), l.Sayf("%s opened, %s closed", a[trace.ListenersOpenedKey], a[trace.ListenersClosedKey])},
	}...)
	s.Counted, s.Requests = t.counted(l)
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

// legendMark is one kind of marker as the legend shows it (its label in
// English, said in the page's language); the script draws the same shape
// in the same colour.
type legendMark struct{ Name, Label string }

var legendMarks = []legendMark{
	{trace.EventChanMake, lang.N("channel made")},
	{trace.EventChanWait, lang.N("blocks on a channel")},
	{trace.EventChanClose, lang.N("channel closed")},
	{trace.EventChanRecv, lang.N("woken: channel closed")},
	{trace.EventListenerOpen, lang.N("listener opened")},
	{trace.EventListenerClose, lang.N("listener closed")},
	{"log", lang.N("log line in upstream's words")},
	{"panic", lang.N("goroutine panicked")},
}
