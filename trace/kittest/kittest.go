// Package kittest runs code under a [trace.Kit] that records into memory,
// for tests that check the spans, events and log lines a step produces.
package kittest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Recorder holds what a kit recorded.
type Recorder struct {
	Kit      *trace.Kit
	exporter keepingExporter
	logs     Buffer
}

// keepingExporter keeps its spans when the kit shuts down, so a test can
// read them afterwards; the in-memory exporter alone forgets them.
type keepingExporter struct{ *tracetest.InMemoryExporter }

func (keepingExporter) Shutdown(context.Context) error { return nil }

// New returns a context carrying a fresh kit that records spans in memory
// and logs in the console format without colour or time; each configure
// may change its config first (such as Requests, to record request
// spans). When the test ends, the kit is shut down with [trace.EndNormal]
// unless the test did so.
func New(tb testing.TB, configure ...func(*trace.Config)) (context.Context, *Recorder) {
	tb.Helper()
	ctx, r, err := Start(configure...)
	if err != nil {
		tb.Fatalf("trace.Setup: %v", err)
	}
	tb.Cleanup(func() {
		if err := r.Kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
			tb.Errorf("shutting the kit down: %v", err)
		}
	})
	return ctx, r
}

// Start is New for code that has no testing.TB, such as examples: the
// caller shuts r.Kit down when done.
func Start(configure ...func(*trace.Config)) (context.Context, *Recorder, error) {
	r := &Recorder{exporter: keepingExporter{tracetest.NewInMemoryExporter()}}
	cfg := trace.Config{Exporter: r.exporter, Log: &r.logs, NoColor: true}
	for _, c := range configure {
		c(&cfg)
	}
	k, err := trace.Setup(cfg)
	if err != nil {
		return nil, nil, err
	}
	r.Kit = k
	return k.Context(context.Background()), r, nil
}

// Spans returns the spans that have ended, in the order they ended.
func (r *Recorder) Spans() tracetest.SpanStubs { return r.exporter.GetSpans() }

// Span returns the first ended span with the given name, or fails tb.
func (r *Recorder) Span(tb testing.TB, name string) tracetest.SpanStub {
	tb.Helper()
	for _, s := range r.Spans() {
		if s.Name == name {
			return s
		}
	}
	tb.Fatalf("no span named %q among %v", name, r.names())
	return tracetest.SpanStub{}
}

func (r *Recorder) names() []string {
	var names []string
	for _, s := range r.Spans() {
		names = append(names, s.Name)
	}
	return names
}

// Attr returns the string form of a span's attribute, or "".
func Attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// Events returns every event of every ended span, in the order the kit
// recorded them: [Trace.Events] of [Recorder.Trace].
func (r *Recorder) Events() []Event { return r.Trace().Events() }

// Lane returns what the ended spans named span recorded: [Trace.Lane].
func (r *Recorder) Lane(span string) string { return r.Trace().Lane(span) }

// Logs returns the log written so far.
func (r *Recorder) Logs() string { return r.logs.String() }

// Buffer is a bytes.Buffer that goroutines may write to at once, and a
// test read while they do: the log or output of a run.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Dropping is an exporter that drops every span: the SDK still records
// them, so a benchmark can tell recording from encoding.
type Dropping struct{}

func (Dropping) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (Dropping) Shutdown(context.Context) error                             { return nil }
