package trace

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// awkward are strings JSON encoders disagree on: HTML, line and
// paragraph separators, control characters, invalid UTF-8, quotes.
var awkward = []string{"", "plain", "<b>&amp;</b>", "line\u2028para\u2029", "tab\tnl\nnul\x00esc\x1b",
	"bad \xff\xfe utf-8", `quote " backslash \`, "日本語 ünïcödé 🙂"}

// recordedSpans records spans with every kind of attribute, event, link,
// status and limit the SDK has, through a provider like the kit's.
func recordedSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "kubewalk"), attribute.String("service.version", "0.1.0"), attribute.Int("z", 1))
	limits := sdktrace.NewSpanLimits()
	limits.AttributeCountLimit, limits.EventCountLimit, limits.LinkCountLimit = 40, 3, 2
	p := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem), sdktrace.WithResource(res), sdktrace.WithRawSpanLimits(limits))
	tracer := p.Tracer("github.com/kubewalk/kubewalk", oteltrace.WithInstrumentationVersion("v1"),
		oteltrace.WithSchemaURL("https://example.com/schema"), oteltrace.WithInstrumentationAttributes(attribute.Bool("scoped", true)))
	plain := p.Tracer("plain")

	ctx, root := tracer.Start(context.Background(), "root")
	var attrs []attribute.KeyValue
	for i, s := range awkward {
		attrs = append(attrs, attribute.String("s"+string(rune('a'+i)), s))
	}
	attrs = append(attrs,
		attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("i", -42), attribute.Int64("big", math.MaxInt64),
		attribute.Float64("pi", math.Pi), attribute.Float64("tiny", 1e-7), attribute.Float64("huge", 1e21),
		attribute.Float64("whole", 3), attribute.Float64("negzero", math.Copysign(0, -1)),
		attribute.BoolSlice("bs", []bool{true, false}), attribute.Int64Slice("is", []int64{1, -2}),
		attribute.Float64Slice("fs", []float64{0.5, 1e22}), attribute.StringSlice("ss", awkward),
		attribute.ByteSlice("bytes", []byte("\x00\xffhi")),
		attribute.Slice("slice", attribute.StringValue("a"), attribute.IntValue(2)),
		attribute.Map("map", attribute.String("k", "<v>"), attribute.Int("n", 1)),
		attribute.KeyValue{Key: "empty"})
	root.SetAttributes(attrs...)
	root.AddEvent("no attributes")
	for _, s := range awkward {
		root.AddEvent(s, oteltrace.WithAttributes(attribute.String("v", s)))
	}
	root.RecordError(errors.New("failed: <oops>"))
	root.SetStatus(codes.Error, "failed: \"quoted\" <b>")

	remote := oteltrace.NewSpanContext(oteltrace.SpanContextConfig{
		TraceID: oteltrace.TraceID{1, 2, 3}, SpanID: oteltrace.SpanID{4, 5, 6}, Remote: true, TraceFlags: oteltrace.FlagsSampled})
	ts, err := oteltrace.ParseTraceState("a=1,b=two")
	if err != nil {
		t.Fatal(err)
	}
	remote = remote.WithTraceState(ts)
	_, child := tracer.Start(oteltrace.ContextWithRemoteSpanContext(context.Background(), remote), "GET /x",
		oteltrace.WithSpanKind(oteltrace.SpanKindServer),
		oteltrace.WithLinks(oteltrace.Link{SpanContext: remote, Attributes: []attribute.KeyValue{attribute.String("why", "<link>")}},
			oteltrace.Link{SpanContext: root.SpanContext()}, oteltrace.Link{SpanContext: remote}))
	child.SetStatus(codes.Ok, "")
	child.End()

	_, bare := plain.Start(ctx, "no attributes, no events")
	bare.End()
	root.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return mem.GetSpans().Snapshots()
}

// stubs are spans no SDK records but a file could hold: no end, no
// resource, no scope, no attributes at all.
func stubs() []sdktrace.ReadOnlySpan {
	return tracetest.SpanStubs{
		{Name: "never ended", StartTime: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)},
		{Name: "zone", StartTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)),
			EndTime: time.Date(2026, 1, 2, 3, 4, 6, 120000000, time.UTC),
			Events:  []sdktrace.Event{{Name: "e", Attributes: []attribute.KeyValue{}}},
			InstrumentationScope: instrumentation.Scope{Name: "s",
				Attributes: attribute.NewSet(attribute.String("a", "b"))}},
	}.Snapshots()
}

// export writes spans through exp and returns what it wrote.
func export(t *testing.T, spans []sdktrace.ReadOnlySpan, exp func(*bytes.Buffer) sdktrace.SpanExporter) string {
	t.Helper()
	var b bytes.Buffer
	if err := exp(&b).ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func stdout(b *bytes.Buffer) sdktrace.SpanExporter {
	e, err := stdouttrace.New(stdouttrace.WithWriter(b))
	if err != nil {
		panic(err)
	}
	return e
}

func ours(b *bytes.Buffer) sdktrace.SpanExporter { return newFileExporter(b) }

func TestFileExporterWritesWhatStdouttraceWrites(t *testing.T) {
	spans := append(recordedSpans(t), stubs()...)
	want, got := export(t, spans, stdout), export(t, spans, ours)
	if got != want {
		w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
		for i := range min(len(w), len(g)) {
			if w[i] != g[i] {
				t.Fatalf("line %d differs:\nstdouttrace: %s\nours:        %s", i+1, w[i], g[i])
			}
		}
		t.Fatalf("%d lines; stdouttrace wrote %d", len(g), len(w))
	}
	if n := strings.Count(got, "\n"); n != len(spans) {
		t.Errorf("%d lines for %d spans", n, len(spans))
	}
}

func TestFileExporterStopsAtShutdown(t *testing.T) {
	var b bytes.Buffer
	e := newFileExporter(&b)
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), stubs()); err != nil || b.Len() != 0 {
		t.Errorf("after Shutdown: %v, %d bytes written; want nothing", err, b.Len())
	}
}

// FuzzFileExporter: for any name and attribute text, the two exporters
// write the same bytes.
func FuzzFileExporter(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		spans := tracetest.SpanStubs{{
			Name: name, Attributes: []attribute.KeyValue{attribute.String(value, value), attribute.StringSlice("s", []string{value})},
			Events: []sdktrace.Event{{Name: value, Attributes: []attribute.KeyValue{attribute.String("k", name)}}},
			Status: sdktrace.Status{Code: codes.Error, Description: value},
		}}.Snapshots()
		if want, got := export(t, spans, stdout), export(t, spans, ours); got != want {
			t.Errorf("ours:\n%s\nstdouttrace:\n%s", got, want)
		}
	})
}

// BenchmarkExport writes the spans of a traced request — the request span
// and its WithTimeout goroutine's — with stdouttrace and with the kit's
// exporter, into io.Discard.
func BenchmarkExport(b *testing.B) {
	mem := tracetest.NewInMemoryExporter()
	p := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem), sdktrace.WithResource(resource.NewWithAttributes(
		"https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "kubewalk"), attribute.String("service.version", "0.1.0"))))
	tracer := p.Tracer("github.com/kubewalk/kubewalk")
	ctx, req := tracer.Start(context.Background(), "GET /healthz", oteltrace.WithSpanKind(oteltrace.SpanKindServer),
		oteltrace.WithAttributes(attribute.String(KindKey, KindRequest), attribute.String("http.request.method", "GET"),
			attribute.String("url.path", "/healthz"), attribute.String("url.scheme", "http"), attribute.String("client.address", "127.0.0.1:40000")))
	_, g := tracer.Start(ctx, "WithTimeout: serve GET /healthz", oteltrace.WithAttributes(
		attribute.String(KindKey, KindGoroutine), attribute.String(GoroutineNameKey, "WithTimeout: serve GET /healthz"), attribute.Int(GoroutineIDKey, 42)))
	g.End()
	req.SetAttributes(attribute.Int("http.response.status_code", 200))
	req.End()
	spans := mem.GetSpans().Snapshots()
	for _, e := range []struct {
		name string
		exp  sdktrace.SpanExporter
	}{{"stdouttrace", mustStdout(b)}, {"kit", newFileExporter(io.Discard)}} {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := e.exp.ExportSpans(context.Background(), spans); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustStdout(b *testing.B) sdktrace.SpanExporter {
	e, err := stdouttrace.New(stdouttrace.WithWriter(io.Discard))
	if err != nil {
		b.Fatal(err)
	}
	return e
}
