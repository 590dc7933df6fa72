package kittest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A Trace is a run's spans, flattened for assertions, in the order they
// ended: what a kit recorded in memory ([Recorder.Trace]) or wrote to a
// trace file ([ReadFile]). Both read the same way.
type Trace struct {
	Spans []Span
}

// A Span is one span of a trace.
type Span struct {
	Name   string
	ID     string            // 16 hex digits
	Parent string            // the parent's ID; "" for a root span
	Attrs  map[string]string // attribute values in their string form
	Events []Event
	// Status is the span's status code ("Error", "Ok" or "Unset") and
	// StatusDescription its message.
	Status, StatusDescription string
}

// Attr returns the string form of the span's attribute key, or "".
func (s Span) Attr(key string) string { return s.Attrs[key] }

// Lane returns the span's own events, one per line as Event.String
// writes them, in the kit's order.
func (s Span) Lane() string {
	t := Trace{Spans: []Span{s}}
	return t.Lane(s.Name)
}

// Event is one span event, flattened for assertions.
type Event struct {
	Time   time.Time
	Name   string
	Span   string            // the name of the span it was recorded on
	SpanID string            // and that span's ID
	Attrs  map[string]string // attribute values in their string form
	// Seq is the event's walkthrough.event.seq: the order in which the
	// kit recorded it. 0 for an event not recorded by the kit.
	Seq int64
}

func (e Event) String() string {
	if n := e.Attrs[trace.ChanNameKey]; n != "" {
		return e.Name + " " + n
	}
	return e.Name
}

// Trace returns the spans that have ended so far.
func (r *Recorder) Trace() *Trace {
	t := &Trace{}
	for _, s := range r.Spans() {
		t.Spans = append(t.Spans, fromStub(s))
	}
	return t
}

func fromStub(s tracetest.SpanStub) Span {
	out := Span{Name: s.Name, ID: s.SpanContext.SpanID().String(), Attrs: map[string]string{},
		Status: s.Status.Code.String(), StatusDescription: s.Status.Description}
	if s.Parent.SpanID().IsValid() {
		out.Parent = s.Parent.SpanID().String()
	}
	for _, a := range s.Attributes {
		out.Attrs[string(a.Key)] = a.Value.String()
	}
	for _, e := range s.Events {
		ev := Event{Time: e.Time, Name: e.Name, Span: s.Name, SpanID: out.ID, Attrs: map[string]string{}}
		for _, a := range e.Attributes {
			ev.Attrs[string(a.Key)] = a.Value.String()
		}
		ev.Seq = seqOf(ev.Attrs)
		out.Events = append(out.Events, ev)
	}
	return out
}

func seqOf(attrs map[string]string) int64 {
	var n int64
	fmt.Sscan(attrs[trace.EventSeqKey], &n)
	return n
}

// ReadFile reads the trace file at path, as the walkthrough's --trace-file
// writes it (one JSON object per span, as OpenTelemetry's stdouttrace
// exporter encodes them), or fails tb.
func ReadFile(tb testing.TB, path string) *Trace {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return t
}

// Read reads a trace file's spans from r.
func Read(r io.Reader) (*Trace, error) {
	type attribute struct {
		Key   string
		Value struct{ Value json.RawMessage }
	}
	attrs := func(as []attribute) map[string]string {
		m := map[string]string{}
		for _, a := range as {
			var s string
			if json.Unmarshal(a.Value.Value, &s) != nil {
				s = string(a.Value.Value) // a number, a bool or a list: its JSON
			}
			m[a.Key] = s
		}
		return m
	}
	t := &Trace{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		var s struct {
			Name        string
			SpanContext struct{ SpanID string }
			Parent      struct{ SpanID string }
			Attributes  []attribute
			Events      []struct {
				Name       string
				Attributes []attribute
				Time       time.Time
			}
			Status struct{ Code, Description string }
		}
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("span %d: %w", n, err)
		}
		span := Span{Name: s.Name, ID: s.SpanContext.SpanID, Attrs: attrs(s.Attributes),
			Status: s.Status.Code, StatusDescription: s.Status.Description}
		if strings.Trim(s.Parent.SpanID, "0") != "" {
			span.Parent = s.Parent.SpanID
		}
		for _, e := range s.Events {
			ev := Event{Time: e.Time, Name: e.Name, Span: s.Name, SpanID: span.ID, Attrs: attrs(e.Attributes)}
			ev.Seq = seqOf(ev.Attrs)
			span.Events = append(span.Events, ev)
		}
		t.Spans = append(t.Spans, span)
	}
	return t, sc.Err()
}

// Named returns the spans named name, in the order they ended.
func (t *Trace) Named(name string) []Span {
	var out []Span
	for _, s := range t.Spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Span returns the first span named name, or fails tb.
func (t *Trace) Span(tb testing.TB, name string) Span {
	tb.Helper()
	if s := t.Named(name); len(s) > 0 {
		return s[0]
	}
	var names []string
	for _, s := range t.Spans {
		names = append(names, s.Name)
	}
	tb.Fatalf("no span named %q among %q", name, names)
	return Span{}
}

// Summary returns the summary span, or fails tb.
func (t *Trace) Summary(tb testing.TB) Span {
	tb.Helper()
	return t.Span(tb, trace.SummarySpanName)
}

// Events returns every event of every span in the order the kit recorded
// them (walkthrough.event.seq). Events the kit did not number, if any,
// come first, in time order.
func (t *Trace) Events() []Event {
	var evs []Event
	for _, s := range t.Spans {
		evs = append(evs, s.Events...)
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].Seq != evs[j].Seq {
			return evs[i].Seq < evs[j].Seq
		}
		return evs[i].Time.Before(evs[j].Time)
	})
	return evs
}

// Lane returns the events of the spans named span, in the kit's order,
// one per line as Event.String writes them: what one goroutine or step
// did, in an order that does not depend on other goroutines.
func (t *Trace) Lane(span string) string {
	var b strings.Builder
	for _, e := range t.Events() {
		if e.Span == span {
			b.WriteString(e.String() + "\n")
		}
	}
	return b.String()
}
