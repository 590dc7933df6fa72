package view_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace/view"
)

// The fixtures are real traces, from testdata/update.sh.
var fixtures = []struct {
	file, ending string
}{
	{"tour.json", "normal"},
	{"kubeapiversions.json", "normal"},
	{"panic.json", "panic"},
}

// pageJSON is the page's data blob as the tests read it. It repeats the
// shape of pageData (htmldata.go), so a change there that the script
// would misread breaks these tests too.
type pageJSON struct {
	Duration int64
	Strings  []string
	Marks    []string
	Lanes    []laneJSON
	Spans    struct {
		ID                                           []string
		Lane, Row, Depth                             []int
		Start, End                                   []int64
		Name, Kind, Status, Parent, Upstream, Source []int
		Attrs                                        [][]int
	}
	Events struct {
		Span       []int
		Time       []int64
		Name, Mark []int
		Attrs      [][]int
	}
	Wakes, Accepts, Starts []int
}

type laneJSON struct {
	Name, Seq         string
	Span, Rows, Group int
}

func (p *pageJSON) eventAttr(e int, key string) string { return p.attr(p.Events.Attrs[e], key) }
func (p *pageJSON) spanAttr(s int, key string) string  { return p.attr(p.Spans.Attrs[s], key) }

func (p *pageJSON) attr(kv []int, key string) string {
	for j := 0; j+1 < len(kv); j += 2 {
		if p.Strings[kv[j]] == key {
			return p.Strings[kv[j+1]]
		}
	}
	return ""
}

// render writes the page of a trace file's bytes and returns it with its
// data blob decoded.
func render(t *testing.T, trace []byte, o view.Options) (string, *pageJSON) {
	t.Helper()
	tr, err := view.Read(bytes.NewReader(trace))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := view.HTML(&b, tr, o); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	const open = `<script type="application/json" id="trace-data">`
	_, rest, ok := strings.Cut(page, open)
	blob, _, ok2 := strings.Cut(rest, "</script>")
	if !ok || !ok2 {
		t.Fatalf("page has no %s…</script>", open)
	}
	var d pageJSON
	if err := json.Unmarshal([]byte(blob), &d); err != nil {
		t.Fatalf("data blob: %v", err)
	}
	return page, &d
}

// rawSpan is a span of a fixture, decoded without package view, so the
// tests do not check view against itself.
type rawSpan struct {
	Name        string
	SpanContext struct{ SpanID string }
	Attributes  []rawAttr
	Events      []struct {
		Name       string
		Attributes []rawAttr
	}
	Status struct{ Code string }
}

type rawAttr struct {
	Key   string
	Value struct{ Value any }
}

func attrMap(as []rawAttr) map[string]string {
	m := map[string]string{}
	for _, a := range as {
		m[a.Key] = fmt.Sprint(a.Value.Value)
	}
	return m
}

func readFixture(t *testing.T, name string) ([]byte, []rawSpan) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var spans []rawSpan
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var s rawSpan
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s)
	}
	return b, spans
}

var lifecycle = map[string]string{
	"chan.make": "chan.make", "chan.close": "chan.close", "chan.wait": "chan.wait", "chan.recv": "chan.recv",
	"listener.open": "listener.open", "listener.close": "listener.close", "exception": "panic",
}

func TestHTMLFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) {
			b, raw := readFixture(t, f.file)
			page, d := render(t, b, view.Options{Requests: true})
			checkLanes(t, raw, d)
			checkEvents(t, raw, d)
			checkLinks(t, raw, d)
			checkLoadsNothing(t, page)
			checkHandOffs(t, d)
			if want := "ended: " + f.ending; !strings.Contains(page, want) {
				t.Errorf("the header lacks %q", want)
			}
		})
	}
}

// checkLanes: one lane per goroutine span, after main, in goroutine.seq order.
func checkLanes(t *testing.T, raw []rawSpan, d *pageJSON) {
	t.Helper()
	type g struct {
		seq  int
		name string
	}
	var gs []g
	for _, s := range raw {
		if a := attrMap(s.Attributes); a["walkthrough.kind"] == "goroutine" {
			n, _ := strconv.Atoi(a["goroutine.seq"])
			gs = append(gs, g{n, a["goroutine.name"]})
		}
	}
	slices.SortFunc(gs, func(a, b g) int { return a.seq - b.seq })
	want := []string{"main"}
	for _, g := range gs {
		want = append(want, fmt.Sprintf("%d %s", g.seq, g.name))
	}
	var got []string
	for _, l := range d.Lanes {
		name := l.Name
		if l.Seq != "" {
			name = l.Seq + " " + l.Name
		}
		got = append(got, name)
		if (l.Span == -1) != (l.Seq == "") || l.Span >= len(d.Spans.Row) || (l.Span >= 0 && d.Spans.Row[l.Span] != -1) {
			t.Errorf("lane %q: span %d is not its goroutine span", l.Name, l.Span)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("lanes:\n%q\nwant (main, then the goroutine spans by goroutine.seq):\n%q", got, want)
	}
}

// checkEvents: every event of every span but the summary is in the data,
// and every channel, listener and panic event is drawn.
func checkEvents(t *testing.T, raw []rawSpan, d *pageJSON) {
	t.Helper()
	want := map[string]int{}
	all := 0
	for _, s := range raw {
		if attrMap(s.Attributes)["walkthrough.kind"] == "summary" {
			continue
		}
		for _, e := range s.Events {
			all++
			if mark, ok := lifecycle[e.Name]; ok {
				want[mark+" "+fmt.Sprint(attrMap(e.Attributes))]++
			}
		}
	}
	if len(d.Events.Name) != all {
		t.Errorf("the page has %d events; the trace has %d", len(d.Events.Name), all)
	}
	got := map[string]int{}
	for e, m := range d.Events.Mark {
		if m != 0 && d.Marks[m] != "log" {
			a := map[string]string{}
			kv := d.Events.Attrs[e]
			for j := 0; j+1 < len(kv); j += 2 {
				a[d.Strings[kv[j]]] = d.Strings[kv[j+1]]
			}
			got[d.Marks[m]+" "+fmt.Sprint(a)]++
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lifecycle markers:\n%v\nwant:\n%v", got, want)
	}
}

var tag = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// checkLinks: every step links to its upstream file at a tag, and names
// our file, which exists.
func checkLinks(t *testing.T, raw []rawSpan, d *pageJSON) {
	t.Helper()
	steps := 0
	for _, s := range raw {
		if attrMap(s.Attributes)["walkthrough.kind"] == "step" {
			steps++
		}
	}
	links := 0
	for s, k := range d.Spans.Kind {
		if d.Strings[k] != "step" {
			continue
		}
		ref, file := d.spanAttr(s, "walkthrough.upstream.ref"), d.spanAttr(s, "walkthrough.upstream.file")
		want := "https://github.com/kubernetes/kubernetes/blob/" + ref + "/" + file
		if got := d.Strings[d.Spans.Upstream[s]]; !tag.MatchString(ref) || got != want {
			t.Errorf("step %s links to %q; want %q, at a tag", d.Strings[d.Spans.Name[s]], got, want)
		} else {
			links++
		}
		ours, _, _ := strings.Cut(d.Strings[d.Spans.Source[s]], ":")
		if _, err := os.Stat(filepath.Join("..", "..", ours)); ours == "" || err != nil {
			t.Errorf("step %s: our source %q is not a file of the repository", d.Strings[d.Spans.Name[s]], d.Strings[d.Spans.Source[s]])
		}
	}
	if links != steps {
		t.Errorf("%d steps link upstream; the trace has %d steps", links, steps)
	}
}

var resources = []*regexp.Regexp{
	regexp.MustCompile(`(?i)<(script|img|iframe|link|source|video|audio|embed|object|track|input)\b[^>]*\b(src|href|data|srcset)\s*=`),
	regexp.MustCompile(`(?i)url\(`),
	regexp.MustCompile(`(?i)@import`),
	regexp.MustCompile(`(?i)\b(fetch|XMLHttpRequest|WebSocket|EventSource|importScripts)\s*\(`),
}

// checkLoadsNothing: no element, style or script of the page loads
// anything, from the web or elsewhere.
func checkLoadsNothing(t *testing.T, page string) {
	t.Helper()
	for _, re := range resources {
		if m := re.FindString(page); m != "" {
			t.Errorf("the page loads a resource: %q", m)
		}
	}
}

// checkHandOffs: each chan.recv is woken by the one chan.close of its
// channel, and each listener.close leads to the "Stopped listening" line
// of its address.
func checkHandOffs(t *testing.T, d *pageJSON) {
	t.Helper()
	closes := map[string]int{}
	for e, m := range d.Events.Mark {
		if d.Marks[m] == "chan.close" {
			closes[d.eventAttr(e, "chan.seq")]++
		}
	}
	wokenBy := map[int]int{}
	for j := 0; j+1 < len(d.Wakes); j += 2 {
		c, r := d.Wakes[j], d.Wakes[j+1]
		if d.Marks[d.Events.Mark[c]] != "chan.close" || d.Marks[d.Events.Mark[r]] != "chan.recv" ||
			d.eventAttr(c, "chan.seq") != d.eventAttr(r, "chan.seq") {
			t.Errorf("arrow from event %d to %d is not a chan.close to a chan.recv of the same chan.seq", c, r)
		}
		wokenBy[r]++
	}
	for e, m := range d.Events.Mark {
		if d.Marks[m] == "chan.recv" && closes[d.eventAttr(e, "chan.seq")] > 0 && wokenBy[e] != 1 {
			t.Errorf("chan.recv %s (chan.seq %s) has %d arrows; want 1", d.eventAttr(e, "chan.name"), d.eventAttr(e, "chan.seq"), wokenBy[e])
		}
	}
	for j := 0; j+1 < len(d.Accepts); j += 2 {
		c, l := d.Accepts[j], d.Accepts[j+1]
		addr := d.eventAttr(c, "network.local.address") + ":" + d.eventAttr(c, "network.local.port")
		if d.Marks[d.Events.Mark[c]] != "listener.close" || d.Strings[d.Events.Name[l]] != "Stopped listening on "+addr {
			t.Errorf("arrow from event %d to %q is not a listener.close to its Stopped listening line", c, d.Strings[d.Events.Name[l]])
		}
	}
}

// The tour's shutdown is a chain: stopCh woke main and both forwarding
// goroutines, each closed an internalStopCh that woke a listener closer,
// and each closed listener stopped a serving goroutine.
func TestHTMLTourShowsTheShutdownCascade(t *testing.T) {
	b, _ := readFixture(t, "tour.json")
	_, d := render(t, b, view.Options{Requests: true})
	woke := map[string][]string{}
	for j := 0; j+1 < len(d.Wakes); j += 2 {
		c, r := d.Wakes[j], d.Wakes[j+1]
		from := d.eventAttr(c, "chan.name")
		woke[from] = append(woke[from], d.Lanes[d.Spans.Lane[d.Events.Span[r]]].Name)
	}
	for name := range woke {
		slices.Sort(woke[name])
	}
	want := map[string][]string{
		"stopCh":         {"NonBlockingRun: close internalStopCh on stopCh", "NonBlockingRun: close internalStopCh on stopCh", "main"},
		"internalStopCh": {"RunServer: close listener on stopCh", "RunServer: close listener on stopCh"},
	}
	if fmt.Sprint(woke) != fmt.Sprint(want) {
		t.Errorf("closes woke %v; want %v", woke, want)
	}
	if len(d.Accepts) != 4 {
		t.Errorf("%d listener arrows; want 2 (one per listener)", len(d.Accepts)/2)
	}
}

func TestHTMLPanic(t *testing.T) {
	b, _ := readFixture(t, "panic.json")
	page, d := render(t, b, view.Options{})
	panics := 0
	for e, m := range d.Events.Mark {
		if d.Marks[m] == "panic" {
			panics++
			if s := d.Events.Span[e]; d.Spans.Status[s] == 0 {
				t.Errorf("the span of the panic, %s, is not marked failed", d.Strings[d.Spans.Name[s]])
			}
		}
	}
	if panics != 1 {
		t.Errorf("%d panic markers; want 1", panics)
	}
	if n := strings.Count(page, `<span class="open-kind">`); n != 12 {
		t.Errorf("still open: %d entries; want the summary's 12", n)
	}
}

// Bars in one row never overlap, and a step called from another step of
// its goroutine sits in a lower row.
func TestHTMLRowsNest(t *testing.T) {
	for _, f := range fixtures {
		b, _ := readFixture(t, f.file)
		_, d := render(t, b, view.Options{Requests: true})
		type key struct{ lane, row int }
		last := map[key]int64{}
		rows := map[int]int{}
		for s := range d.Spans.Row {
			l, r := d.Spans.Lane[s], d.Spans.Row[s]
			if r < 0 {
				continue
			}
			rows[l] = max(rows[l], r+1)
			if end, ok := last[key{l, r}]; ok && d.Spans.Start[s] < end {
				t.Errorf("%s: %s overlaps the bar before it in row %d", f.file, d.Strings[d.Spans.Name[s]], r)
			}
			last[key{l, r}] = d.Spans.End[s]
			if p := d.Spans.Parent[s]; p >= 0 && d.Spans.Lane[p] == l && d.Spans.Row[p] >= 0 && d.Spans.Row[p] >= r {
				t.Errorf("%s: %s in row %d is not below its caller %s in row %d", f.file,
					d.Strings[d.Spans.Name[s]], r, d.Strings[d.Spans.Name[p]], d.Spans.Row[p])
			}
		}
		for l, lane := range d.Lanes {
			if lane.Rows != rows[l] {
				t.Errorf("%s: lane %s has %d rows; its bars use %d", f.file, lane.Name, lane.Rows, rows[l])
			}
		}
	}
}

func TestHTMLOptions(t *testing.T) {
	b, err := record(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		o     view.Options
		lanes int
	}{
		{"all", view.Options{}, 2},
		{"its chapter", view.Options{Chapter: "options"}, 2},
		{"another chapter", view.Options{Chapter: "runserver"}, 0},
	}
	for _, tt := range tests {
		page, d := render(t, b, tt.o)
		if len(d.Lanes) != tt.lanes || !strings.Contains(page, fmt.Sprintf(`data-lanes="%d"`, tt.lanes)) {
			t.Errorf("%s: %d lanes; want %d", tt.name, len(d.Lanes), tt.lanes)
		}
	}

	// Annotated log lines are drawn only with Logs.
	tour, _ := readFixture(t, "tour.json")
	count := func(o view.Options) int {
		_, d := render(t, tour, o)
		n := 0
		for _, m := range d.Events.Mark {
			if d.Marks[m] == "log" {
				n++
			}
		}
		return n
	}
	if some, all := count(view.Options{}), count(view.Options{Logs: true}); some == 0 || some >= all {
		t.Errorf("log markers: %d by default, %d with Logs; want some, and more with Logs", some, all)
	}
}

// Text from the trace cannot break out of the page: names, attributes and
// still-open details are escaped, and come back unchanged from the data.
func TestHTMLEscapesTraceText(t *testing.T) {
	const (
		name   = `</script><script>alert(1)</script>`
		value  = "<img src=x onerror=alert(2)> & \"quotes\" \u2028 line separator"
		detail = `<b>bold</b>`
	)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	str := func(k, v string) string { return `{"Key":` + q(k) + `,"Value":{"Type":"STRING","Value":` + q(v) + `}}` }
	trace := `{"Name":` + q(name) + `,"SpanContext":{"SpanID":"0000000000000001"},"Parent":{"SpanID":"0000000000000000"},` +
		`"StartTime":"2026-01-01T00:00:00Z","EndTime":"2026-01-01T00:00:01Z","Attributes":[` +
		str("walkthrough.kind", "step") + `,` + str("x", value) + `,` + str("walkthrough.upstream.ref", "javascript:alert(3)") + `,` +
		str("walkthrough.upstream.file", "a.go") + `]}` + "\n" +
		`{"Name":"walkthrough.summary","SpanContext":{"SpanID":"0000000000000002"},"StartTime":"2026-01-01T00:00:01Z",` +
		`"Attributes":[` + str("walkthrough.kind", "summary") + `,` + str("walkthrough.ending", "<i>odd</i>") + `],` +
		`"Events":[{"Name":"still.open","Attributes":[` + str("open.kind", "goroutine") + `,` + str("open.detail", detail) + `]}]}` + "\n"
	page, d := render(t, []byte(trace), view.Options{})
	for _, bad := range []string{"<script>alert", "<img", "<b>", "<i>", "\u2028"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "<script"); n != 3 {
		t.Errorf("the page has %d script elements; want its own 3 (the words, the data, the script)", n)
	}
	for _, want := range []string{name, value} {
		if !slices.Contains(d.Strings, want) {
			t.Errorf("the data lost %q", want)
		}
	}
	if d.Spans.Upstream[0] != 0 {
		t.Errorf("a ref that is not a tag was linked: %q", d.Strings[d.Spans.Upstream[0]])
	}
}

// The goroutines started for requests are grouped under the goroutine
// that served the requests; every other lane is in no group.
func TestHTMLGroupsRequestGoroutines(t *testing.T) {
	b, err := recordServe(t.TempDir(), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, d := render(t, b, view.Options{Requests: true})
	serve := slices.IndexFunc(d.Lanes, func(l laneJSON) bool { return l.Name == "RunServer: serve" })
	grouped := 0
	for _, l := range d.Lanes {
		want := -1
		if strings.HasPrefix(l.Name, "WithTimeout: serve ") {
			want = serve
			grouped++
		}
		if l.Group != want {
			t.Errorf("lane %s is in group %d; want %d", l.Name, l.Group, want)
		}
	}
	if grouped != 4 {
		t.Errorf("%d request goroutines; want 4", grouped)
	}
}

// Each span on the page carries its span ID, for #span= links, and its
// depth: how many bars of its lane it is nested in.
func TestHTMLSpanIDsAndDepths(t *testing.T) {
	for _, f := range fixtures {
		b, raw := readFixture(t, f.file)
		_, d := render(t, b, view.Options{Requests: true})
		ids := map[string]bool{}
		for _, s := range raw {
			ids[s.SpanContext.SpanID] = true
		}
		for s, id := range d.Spans.ID {
			if !ids[id] {
				t.Errorf("%s: span %s has ID %q, which is not in the trace", f.file, d.Strings[d.Spans.Name[s]], id)
			}
			want := 0
			for p := d.Spans.Parent[s]; p >= 0 && d.Spans.Lane[p] == d.Spans.Lane[s] && d.Spans.Row[p] >= 0; p = d.Spans.Parent[p] {
				want++
			}
			if d.Spans.Depth[s] != want {
				t.Errorf("%s: span %s has depth %d; want %d", f.file, d.Strings[d.Spans.Name[s]], d.Spans.Depth[s], want)
			}
		}
		if len(d.Spans.ID) != len(d.Spans.Lane) || len(d.Spans.Depth) != len(d.Spans.Lane) {
			t.Errorf("%s: %d IDs and %d depths for %d spans", f.file, len(d.Spans.ID), len(d.Spans.Depth), len(d.Spans.Lane))
		}
	}
}

func BenchmarkHTML100k(b *testing.B) {
	t, err := view.Read(bytes.NewReader(synthetic(100_000)))
	if err != nil {
		b.Fatal(err)
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		var w countWriter
		if err := view.HTML(&w, t, view.Options{}); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size)/1e6, "MB/page")
}

type countWriter int

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }

// FuzzHTML renders whatever Read accepts: it must not fail or panic. The
// seed is a small real trace; the fixtures are too large to mutate fast.
func FuzzHTML(f *testing.F) {
	f.Add(recordedSeed(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := view.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := view.HTML(io.Discard, tr, view.Options{Requests: true}); err != nil {
			t.Fatal(err)
		}
	})
}
