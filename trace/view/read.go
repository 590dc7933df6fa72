package view

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// Trace is a trace file read back: its spans in the order they started,
// the main lane and one lane per goroutine span.
type Trace struct {
	Spans   []*Span // by start time
	Lanes   []*Lane // the main lane first, then goroutines in the order they were started
	Summary *Span   // the walkthrough.summary span, or nil
	Start   time.Time
	End     time.Time
	// Resource holds the attributes of the run's resource, from the
	// first span: service.name, service.version, walkthrough.era.
	Resource map[string]string
}

// Era returns the era the run mirrored (walkthrough.era: v1.7, v1.9 or
// modern), or "" when the trace does not say: a walkthrough older than
// --era wrote it.
func (t *Trace) Era() string { return t.Resource[trace.EraKey] }

// Span is one span of the trace.
type Span struct {
	Name       string
	ID         string
	Parent     *Span // nil for a root, or when the parent is not in the file
	Start, End time.Time
	Attrs      map[string]string
	Events     []Event
	Failed     bool   // the span's status is Error
	Status     string // the status description, if any
	Lane       *Lane

	parentID string
}

// Kind returns the span's walkthrough.kind: step, goroutine, request or summary.
func (s *Span) Kind() string { return s.Attrs[trace.KindKey] }

// Event is a span event.
type Event struct {
	Name  string
	Time  time.Time
	Attrs map[string]string
}

// Lane is a goroutine, or the main lane (Span nil).
type Lane struct {
	Name string
	Span *Span // the goroutine span; nil for the main lane
	// Request is, for a goroutine started while a request was served
	// (such as WithTimeout's, one per request), the request span it was
	// started under; nil for every other lane. Renderings group such
	// lanes under Request.Lane, the goroutine that served the request.
	Request *Span
}

// span is a span as stdouttrace writes it, reduced to what view reads.
type span struct {
	Name        string
	SpanContext struct{ SpanID string }
	Parent      struct{ SpanID string }
	StartTime   time.Time
	EndTime     time.Time
	Attributes  []attribute
	Events      []struct {
		Name       string
		Attributes []attribute
		Time       time.Time
	}
	Status   struct{ Code, Description string }
	Resource []attribute
}

type attribute struct {
	Key   string
	Value struct{ Value json.RawMessage }
}

// noParent is the span ID stdouttrace writes for a root span's parent.
const noParent = "0000000000000000"

// Read reads a trace file. It fails on an empty input, on anything that
// is not a stream of JSON objects, on an object that is not a span, and on
// a stream cut off in the middle of an object.
func Read(r io.Reader) (*Trace, error) {
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	t := &Trace{}
	for n := 1; ; n++ {
		var s span
		err := dec.Decode(&s)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, decodeError(n, cr.n, err)
		}
		if s.Name == "" || s.SpanContext.SpanID == "" || s.StartTime.IsZero() {
			return nil, lang.Errorf("object %d is not a span: it has no Name, SpanContext.SpanID or StartTime", n)
		}
		if t.Resource == nil {
			t.Resource = attrs(s.Resource)
		}
		t.Spans = append(t.Spans, convert(&s))
	}
	if len(t.Spans) == 0 {
		return nil, lang.Errorf("no spans: the file is empty")
	}
	if err := t.link(); err != nil {
		return nil, err
	}
	return t, nil
}

func decodeError(n int, size int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return lang.Errorf("truncated: the file ends (after %d bytes) in the middle of object %d", size, n)
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return lang.Errorf("not a trace file: invalid JSON at byte %d: %v", syntax.Offset, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if typ.Field == "" {
			return lang.Errorf("object %d is not a span: it is a JSON %s, not an object", n, typ.Value)
		}
		return lang.Errorf("object %d is not a span: its %s is a JSON %s", n, typ.Field, typ.Value)
	}
	return lang.Errorf("object %d is not a span: %v", n, err)
}

func convert(s *span) *Span {
	out := &Span{
		Name: s.Name, ID: s.SpanContext.SpanID, parentID: s.Parent.SpanID,
		Start: s.StartTime, End: s.EndTime,
		Attrs:  attrs(s.Attributes),
		Failed: s.Status.Code == "Error", Status: s.Status.Description,
	}
	for _, e := range s.Events {
		out.Events = append(out.Events, Event{Name: e.Name, Time: e.Time, Attrs: attrs(e.Attributes)})
	}
	return out
}

func attrs(kvs []attribute) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = text(kv.Value.Value)
	}
	return m
}

// text is an attribute value as text: a JSON string unquoted, anything
// else (numbers, booleans, arrays) as written.
func text(raw json.RawMessage) string {
	if len(raw) >= 2 && raw[0] == '"' {
		if s := raw[1 : len(raw)-1]; !bytes.ContainsAny(s, `\"`) {
			return string(s) // the common case, without a decoder
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// link sorts the spans by start, connects each to its parent and its lane,
// and finds the summary and the trace's time span. A span that is its own
// ancestor is an error.
func (t *Trace) link() error {
	slices.SortStableFunc(t.Spans, func(a, b *Span) int { return a.Start.Compare(b.Start) })
	byID := make(map[string]*Span, len(t.Spans))
	for _, s := range t.Spans {
		byID[s.ID] = s
	}
	main := &Lane{Name: "main"}
	t.Lanes = []*Lane{main}
	t.Start, t.End = t.Spans[0].Start, t.Spans[0].End
	for _, s := range t.Spans {
		if s.parentID != noParent {
			s.Parent = byID[s.parentID]
		}
		if s.End.After(t.End) {
			t.End = s.End
		}
		if s.Kind() == trace.KindGoroutine {
			s.Lane = &Lane{Name: s.Attrs[trace.GoroutineNameKey], Span: s}
			t.Lanes = append(t.Lanes, s.Lane)
		}
		if s.Name == trace.SummarySpanName {
			t.Summary = s
		}
	}
	// Goroutines in the order their go statements ran (goroutine.seq),
	// which does not depend on the scheduler as their start times do.
	slices.SortStableFunc(t.Lanes[1:], func(a, b *Lane) int {
		return cmp.Compare(seq(a.Span), seq(b.Span))
	})
	if err := checkAcyclic(t.Spans); err != nil {
		return err
	}
	for _, s := range t.Spans {
		laneOf(s, main)
	}
	for _, l := range t.Lanes[1:] {
		l.Request = requestOf(l.Span)
	}
	return nil
}

// requestOf returns the nearest request span above s, or nil.
func requestOf(s *Span) *Span {
	for p := s.Parent; p != nil; p = p.Parent {
		if p.Kind() == trace.KindRequest {
			return p
		}
	}
	return nil
}

// checkAcyclic fails if following parents from some span comes back to
// it. Each span is walked once: a walk stops at a span already checked.
func checkAcyclic(spans []*Span) error {
	const visiting, checked = 1, 2
	state := make(map[*Span]int, len(spans))
	var path []*Span
	for _, s := range spans {
		path = path[:0]
		for p := s; p != nil && state[p] != checked; p = p.Parent {
			if state[p] == visiting {
				return lang.Errorf("span %q (%s) is its own ancestor", p.Name, p.ID)
			}
			state[p] = visiting
			path = append(path, p)
		}
		for _, p := range path {
			state[p] = checked
		}
	}
	return nil
}

func seq(s *Span) int {
	n, _ := strconv.Atoi(s.Attrs[trace.GoroutineIDKey])
	return n
}

// laneOf returns, and remembers, the lane of s: its own if it is a
// goroutine, else its parent's, else main.
func laneOf(s *Span, main *Lane) *Lane {
	if s.Lane == nil {
		s.Lane = main
		if s.Parent != nil {
			s.Lane = laneOf(s.Parent, main)
		}
	}
	return s.Lane
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
