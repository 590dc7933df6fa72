package view

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/trace"
)

// Marker kinds. The page's script draws each by its name in
// pageData.Marks, so the two cannot disagree on the numbers.
const (
	markNone = iota // an event listed in the details panel, not drawn
	markLog
	markChanMake
	markChanClose
	markChanWait
	markChanRecv
	markListenerOpen
	markListenerClose
	markPanic
)

var markNames = []string{"", "log", trace.EventChanMake, trace.EventChanClose, trace.EventChanWait,
	trace.EventChanRecv, trace.EventListenerOpen, trace.EventListenerClose, "panic"}

var marks = map[string]int{
	trace.EventChanMake: markChanMake, trace.EventChanClose: markChanClose,
	trace.EventChanWait: markChanWait, trace.EventChanRecv: markChanRecv,
	trace.EventListenerOpen: markListenerOpen, trace.EventListenerClose: markListenerClose,
	"exception": markPanic,
}

// pageData is the trace as the page's script reads it, one JSON blob.
// Spans and events are columns (parallel arrays) rather than an object
// each, and every text is stored once in Strings: for 100k spans that is
// a few times smaller, and faster to parse, than an object per span.
type pageData struct {
	Duration int64        `json:"duration"` // ns from the first start to the last end, at least 1
	Strings  []string     `json:"strings"`  // every name, key and value; Strings[0] is ""
	Marks    []string     `json:"marks"`    // the name of each marker kind, by number
	Lanes    []laneData   `json:"lanes"`
	Spans    spanColumns  `json:"spans"`
	Events   eventColumns `json:"events"`
	Wakes    []int        `json:"wakes"`   // pairs of events: a chan.close, then a chan.recv it woke
	Accepts  []int        `json:"accepts"` // pairs of events: a listener.close, then the "Stopped listening on" it caused
	Starts   []int        `json:"starts"`  // pairs of spans: the one that ran the go statement, then the goroutine
}

// laneData is one swimlane.
type laneData struct {
	Name string `json:"name"`
	Seq  string `json:"seq"`  // goroutine.seq; empty for main
	Span int    `json:"span"` // the goroutine span; -1 for main
	Rows int    `json:"rows"` // rows of bars
	// Group is, for a goroutine started for a request (Lane.Request), the
	// lane that served the request, under which the page groups it; -1
	// for every other lane.
	Group int `json:"group"`
	// Side is, on the page of a diff, the run the lane is in: A or B;
	// empty on the page of one trace. Only marks a lane of a diff that
	// the other run has none like (by name).
	Side string `json:"side,omitempty"`
	Only bool   `json:"only,omitempty"`
}

// spanColumns are the spans on the page: the bars (steps and requests)
// and the goroutine span of each lane, in the order they started. Texts
// are indexes into pageData.Strings, times ns after the trace's start.
type spanColumns struct {
	ID       []string `json:"id"` // the span ID, for #span= links
	Lane     []int    `json:"lane"`
	Row      []int    `json:"row"`   // the bar's row in its lane, from 0; -1 for a lane's goroutine span
	Depth    []int    `json:"depth"` // how many bars of its lane it is nested in; 0 for a goroutine span
	Start    []int64  `json:"start"`
	End      []int64  `json:"end"`
	Name     []int    `json:"name"`
	Kind     []int    `json:"kind"`
	Status   []int    `json:"status"`   // 0 when the span did not fail, else its status description
	Parent   []int    `json:"parent"`   // the parent span, -1 when it is not on the page
	Upstream []int    `json:"upstream"` // the upstream file at its tag, as a URL; 0 when there is none
	Source   []int    `json:"source"`   // our file:line; 0 when unknown
	Attrs    [][]int  `json:"attrs"`    // key, value, key, value, … by key
}

// eventColumns are every event of the spans on the page, in time order.
type eventColumns struct {
	Span  []int   `json:"span"`
	Time  []int64 `json:"time"`
	Name  []int   `json:"name"`
	Mark  []int   `json:"mark"` // a mark* constant; markNone for an event only listed
	Attrs [][]int `json:"attrs"`
}

// newPageData returns a pageData with no nil slices: the script reads
// an empty list, never null.
func newPageData(duration int64) *pageData {
	return &pageData{
		Duration: duration, Strings: []string{""}, Marks: markNames, Lanes: []laneData{},
		Spans: spanColumns{
			ID: []string{}, Lane: []int{}, Row: []int{}, Depth: []int{}, Start: []int64{}, End: []int64{}, Name: []int{}, Kind: []int{},
			Status: []int{}, Parent: []int{}, Upstream: []int{}, Source: []int{}, Attrs: [][]int{},
		},
		Events:  eventColumns{Span: []int{}, Time: []int64{}, Name: []int{}, Mark: []int{}, Attrs: [][]int{}},
		Wakes:   []int{},
		Accepts: []int{},
		Starts:  []int{},
	}
}

// pageBuilder fills a pageData.
type pageBuilder struct {
	d         *pageData
	strings   map[string]int
	spans     map[*Span]int // index in d.Spans
	onPage    []*Span       // d.Spans, in order
	laneIndex map[*Lane]int // index in d.Lanes
	laneSide  map[*Lane]int // the trace of each lane: 0, or 1 for B
	starts    []time.Time   // each trace's start, from which its times count
	rows      map[*Span]int
}

// pageData collects what the options keep: the same lanes, spans and log
// lines as [Text] shows.
func (t *Trace) pageData(o Options) *pageData { return pageDataOf(o, t) }

// pageDataOf collects what the options keep of each trace. Each trace's
// times count from its own start, on one axis. Two traces are a diff: the
// lanes of A and B that have the same name are put one after the other
// (aligned as [Compare] aligns shutdowns), A's first; a lane without its
// like in the other trace is marked Only.
func pageDataOf(o Options, traces ...*Trace) *pageData {
	var duration int64 = 1
	for _, t := range traces {
		duration = max(duration, t.End.Sub(t.Start).Nanoseconds())
	}
	b := &pageBuilder{
		d:         newPageData(duration),
		strings:   map[string]int{"": 0},
		spans:     map[*Span]int{},
		laneIndex: map[*Lane]int{},
		laneSide:  map[*Lane]int{},
		rows:      map[*Span]int{},
	}
	entries := make([]map[*Lane][]entry, len(traces))
	var shown [][]*Lane
	for i, t := range traces {
		b.starts = append(b.starts, t.Start)
		entries[i] = t.entries(o)
		var ls []*Lane
		for _, l := range t.Lanes {
			if _, ok := entries[i][l]; ok {
				ls = append(ls, l)
				b.laneSide[l] = i
			}
		}
		shown = append(shown, ls)
	}
	onPage := map[*Span]bool{}
	for _, sl := range b.laneOrder(shown) {
		b.addLane(sl, entries[b.laneSide[sl.lane]][sl.lane], len(traces) == 2, onPage)
	}
	b.grow(len(onPage))
	for _, t := range traces {
		for _, s := range t.Spans {
			if onPage[s] {
				b.addSpan(s)
			}
		}
	}
	for i, s := range b.onPage {
		if s.Parent != nil {
			b.d.Spans.Parent[i] = b.spanIndex(s.Parent)
		}
		if b.rows[s] == -1 {
			b.d.Lanes[b.laneIndex[s.Lane]].Span = i
		}
	}
	for _, t := range traces {
		for _, l := range t.Lanes {
			i, ok := b.laneIndex[l]
			if !ok || l.Request == nil {
				continue
			}
			if g, ok := b.laneIndex[l.Request.Lane]; ok {
				b.d.Lanes[i].Group = g
			}
		}
	}
	b.addEvents(o)
	b.arrows()
	return b.d
}

// sideLane is a lane on the page, and whether the other trace of a diff
// has none like it.
type sideLane struct {
	lane *Lane
	only bool
}

// laneOrder returns the lanes in the order the page shows them: one
// trace's as they are; a diff's aligned by name, the goroutines started
// for requests (grouped on the page under their serving goroutine) after
// the others.
func (b *pageBuilder) laneOrder(shown [][]*Lane) []sideLane {
	if len(shown) == 1 {
		out := make([]sideLane, len(shown[0]))
		for i, l := range shown[0] {
			out[i] = sideLane{lane: l}
		}
		return out
	}
	split := func(ls []*Lane) (servers, requests []*Lane) {
		for _, l := range ls {
			if l.Request != nil {
				requests = append(requests, l)
			} else {
				servers = append(servers, l)
			}
		}
		return servers, requests
	}
	a, aReq := split(shown[0])
	bb, bReq := split(shown[1])
	var out []sideLane
	for _, p := range align(len(a), len(bb), func(i, j int) bool { return a[i].Name == bb[j].Name }) {
		both := p.a >= 0 && p.b >= 0
		if p.a >= 0 {
			out = append(out, sideLane{a[p.a], !both})
		}
		if p.b >= 0 {
			out = append(out, sideLane{bb[p.b], !both})
		}
	}
	for _, l := range append(aReq, bReq...) {
		out = append(out, sideLane{lane: l})
	}
	return out
}

// addLane adds a lane that has entries, packs its bars in rows, and marks
// the spans that go on the page: the bars and the lane's own goroutine span.
func (b *pageBuilder) addLane(sl sideLane, es []entry, diff bool, onPage map[*Span]bool) {
	l := sl.lane
	var bars []*Span
	for _, e := range es {
		if e.event == nil {
			bars = append(bars, e.span)
			onPage[e.span] = true
		}
	}
	b.laneIndex[l] = len(b.d.Lanes)
	ld := laneData{Name: l.Name, Span: -1, Rows: packRows(bars, b.rows), Group: -1, Only: sl.only}
	if diff {
		ld.Side = []string{"A", "B"}[b.laneSide[l]]
	}
	if l.Span != nil {
		ld.Seq = l.Span.Attrs[trace.GoroutineIDKey]
		onPage[l.Span] = true
		b.rows[l.Span] = -1
	}
	b.d.Lanes = append(b.d.Lanes, ld)
}

// packRows gives each bar of a lane a row: below its parent when the
// parent is a bar too, and never overlapping another bar of its row. It
// returns how many rows there are.
func packRows(bars []*Span, rows map[*Span]int) int {
	slices.SortStableFunc(bars, func(a, b *Span) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return end(b).Compare(end(a)) // a parent before a child that starts with it
	})
	var rowEnd []time.Time
	for _, s := range bars {
		r := 0
		if p, ok := rows[s.Parent]; ok && s.Parent != nil && p >= 0 && s.Parent.Lane == s.Lane {
			r = p + 1
		}
		for r < len(rowEnd) && rowEnd[r].After(s.Start) {
			r++
		}
		if r == len(rowEnd) {
			rowEnd = append(rowEnd, time.Time{})
		}
		rowEnd[r] = end(s)
		rows[s] = r
	}
	return len(rowEnd)
}

// end is when s ended, or when it started if the file has no end.
func end(s *Span) time.Time {
	if s.End.Before(s.Start) {
		return s.Start
	}
	return s.End
}

// barDepth is how many bars of its lane s is nested in: its ancestors in
// the lane, other than the lane's goroutine span.
func barDepth(s *Span) int {
	n := 0
	for p := s.Parent; p != nil && p.Lane == s.Lane && p.Kind() != trace.KindGoroutine; p = p.Parent {
		n++
	}
	return n
}

// grow makes room for n spans, which for a large trace saves copying
// each column a few dozen times.
func (b *pageBuilder) grow(n int) {
	c := &b.d.Spans
	c.ID, c.Depth = slices.Grow(c.ID, n), slices.Grow(c.Depth, n)
	c.Lane, c.Row, c.Name, c.Kind = slices.Grow(c.Lane, n), slices.Grow(c.Row, n), slices.Grow(c.Name, n), slices.Grow(c.Kind, n)
	c.Status, c.Parent, c.Upstream, c.Source = slices.Grow(c.Status, n), slices.Grow(c.Parent, n), slices.Grow(c.Upstream, n), slices.Grow(c.Source, n)
	c.Start, c.End, c.Attrs = slices.Grow(c.Start, n), slices.Grow(c.End, n), slices.Grow(c.Attrs, n)
	b.onPage = slices.Grow(b.onPage, n)
}

func (b *pageBuilder) addSpan(s *Span) {
	c := &b.d.Spans
	b.spans[s] = len(c.Lane)
	b.onPage = append(b.onPage, s)
	c.ID = append(c.ID, s.ID)
	c.Lane = append(c.Lane, b.laneIndex[s.Lane])
	c.Row = append(c.Row, b.rows[s])
	c.Depth = append(c.Depth, barDepth(s))
	c.Start = append(c.Start, b.since(s, s.Start))
	c.End = append(c.End, b.since(s, end(s)))
	c.Name = append(c.Name, b.str(s.Name))
	c.Kind = append(c.Kind, b.str(s.Kind()))
	status := 0
	if s.Failed {
		status = b.str(cmp.Or(s.Status, "error"))
	}
	c.Status = append(c.Status, status)
	c.Parent = append(c.Parent, -1) // set once every span has its index
	c.Upstream = append(c.Upstream, b.str(upstreamURL(s)))
	c.Source = append(c.Source, b.str(source(s)))
	c.Attrs = append(c.Attrs, b.attrs(s.Attrs))
}

func (b *pageBuilder) spanIndex(s *Span) int {
	if i, ok := b.spans[s]; ok {
		return i
	}
	return -1
}

// addEvents adds every event of the spans on the page in time order,
// marking those the options show.
func (b *pageBuilder) addEvents(o Options) {
	type located struct {
		span int
		e    *Event
		at   int64
	}
	n := 0
	for _, s := range b.onPage {
		n += len(s.Events)
	}
	all := make([]located, 0, n)
	for i, s := range b.onPage {
		for j := range s.Events {
			all = append(all, located{span: i, e: &s.Events[j]})
		}
	}
	for i := range all {
		all[i].at = b.since(b.onPage[all[i].span], all[i].e.Time)
	}
	slices.SortStableFunc(all, func(x, y located) int { return cmp.Compare(x.at, y.at) })
	c := &b.d.Events
	c.Span, c.Time, c.Name, c.Mark, c.Attrs = make([]int, 0, n), make([]int64, 0, n), make([]int, 0, n), make([]int, 0, n), make([][]int, 0, n)
	for _, l := range all {
		mark := marks[l.e.Name]
		if mark == markNone && o.showsLog(l.e) {
			mark = markLog
		}
		c.Span = append(c.Span, l.span)
		c.Time = append(c.Time, l.at)
		c.Name = append(c.Name, b.str(l.e.Name))
		c.Mark = append(c.Mark, mark)
		c.Attrs = append(c.Attrs, b.attrs(l.e.Attrs))
	}
}

// since is at, a time of span s, in ns after the start of s's trace.
func (b *pageBuilder) since(s *Span, at time.Time) int64 {
	return at.Sub(b.starts[b.laneSide[s.Lane]]).Nanoseconds()
}

// str returns the index of s in the strings, adding it the first time.
func (b *pageBuilder) str(s string) int {
	i, ok := b.strings[s]
	if !ok {
		i = len(b.d.Strings)
		b.strings[s] = i
		b.d.Strings = append(b.d.Strings, s)
	}
	return i
}

func (b *pageBuilder) attrs(m map[string]string) []int {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]int, 0, 2*len(keys))
	for _, k := range keys {
		out = append(out, b.str(k), b.str(m[k]))
	}
	return out
}

// pinned is a ref that names one version for good: a release tag or a
// commit. A branch would move under the link.
var pinned = regexp.MustCompile(`^(v\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?|[0-9a-f]{40})$`)

// upstreamURL links a step to the upstream file it mirrors, in the
// kubernetes/kubernetes repository at the tag it mirrors; it is empty
// when the step names no file or no pinned ref.
func upstreamURL(s *Span) string {
	file, ref := s.Attrs[trace.UpstreamFileKey], s.Attrs[trace.UpstreamRefKey]
	if file == "" || !pinned.MatchString(ref) {
		return ""
	}
	parts := strings.Split(strings.TrimPrefix(file, "/"), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "https://github.com/kubernetes/kubernetes/blob/" + ref + "/" + strings.Join(parts, "/")
}

// source is where a step is in our code, as file:line.
func source(s *Span) string {
	file, line := s.Attrs["code.file.path"], s.Attrs["code.line.number"]
	if file == "" || line == "" {
		return file
	}
	return file + ":" + line
}

// arrows finds the hand-offs between lanes: each chan.close to every
// chan.recv of the same channel (chan.seq), each listener.close to the
// "Stopped listening on ADDR" line its serving goroutine then logged
// (upstream's words), and each goroutine's starter to the goroutine.
func (b *pageBuilder) arrows() {
	ev := &b.d.Events
	// Keys start with the event's trace: A and B number their channels alike.
	side := func(i int) string { return strconv.Itoa(b.laneSide[b.onPage[ev.Span[i]].Lane]) + " " }
	closed := map[string]int{}   // side, chan.seq → its chan.close
	listener := map[string]int{} // side, address:port → its listener.close
	for i, m := range ev.Mark {
		switch m {
		case markChanClose:
			if seq := b.eventAttr(i, trace.ChanIDKey); seq != "" {
				closed[side(i)+seq] = i
			}
		case markListenerClose:
			listener[side(i)+b.eventAttr(i, "network.local.address")+":"+b.eventAttr(i, "network.local.port")] = i
		}
	}
	for i, m := range ev.Mark {
		switch m {
		case markChanRecv:
			if c, ok := closed[side(i)+b.eventAttr(i, trace.ChanIDKey)]; ok {
				b.d.Wakes = append(b.d.Wakes, c, i)
			}
		case markLog:
			rest, ok := strings.CutPrefix(b.d.Strings[ev.Name[i]], "Stopped listening on ")
			addr, _, _ := strings.Cut(rest, " ")
			if c, found := listener[side(i)+addr]; ok && found {
				b.d.Accepts = append(b.d.Accepts, c, i)
			}
		}
	}
	for i, s := range b.onPage {
		if b.d.Spans.Row[i] == -1 && s.Parent != nil {
			if p, ok := b.spans[s.Parent]; ok {
				b.d.Starts = append(b.d.Starts, p, i)
			}
		}
	}
}

// eventAttr returns the value of event i's attribute key, or "".
func (b *pageBuilder) eventAttr(i int, key string) string {
	kv := b.d.Events.Attrs[i]
	for j := 0; j+1 < len(kv); j += 2 {
		if b.d.Strings[kv[j]] == key {
			return b.d.Strings[kv[j+1]]
		}
	}
	return ""
}
