package trace_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The benchmarks in this file measure what one use of a kit primitive
// costs, in four setups (see kits):
//
//   - traced: spans go through the batch span processor and the
//     stdouttrace exporter, as in the walkthrough, but into io.Discard,
//     so the disk is not measured;
//   - recorded: the SDK records every span, and the exporter drops it:
//     traced without the cost of encoding spans as JSON;
//   - off: a kit without a trace file, as with --trace-file="";
//   - nokit: a bare context.Background(), as in a program that never
//     called trace.Setup.
//
// Logs go nowhere (Config.Log nil) in all four, so the figures are the
// kit's own; BenchmarkLog adds the console writer the walkthrough uses.
// Run them with
//
//	go test -run '^$' -bench . -benchmem ./trace/

// kit is one setup the benchmarks run under.
type kit struct {
	name string
	// cfg returns the setup's config, with an exporter of its own: a
	// kit's Shutdown shuts its exporter down, and a benchmark function
	// runs more than once. A nil cfg means no kit at all.
	cfg func(b *testing.B) trace.Config
}

var kits = []kit{
	{"traced", func(*testing.B) trace.Config {
		return trace.Config{TraceWriter: io.Discard, Requests: true}
	}},
	{"recorded", func(*testing.B) trace.Config {
		return trace.Config{Exporter: kittest.Dropping{}, Requests: true}
	}},
	{"off", func(*testing.B) trace.Config { return trace.Config{} }},
	{"nokit", nil},
}

// run calls bench under each setup, as sub-benchmarks named after it. The
// ctx bench gets carries the kit, if any, and one open step, as the code
// that calls the primitives does; the step ends after the timed loop.
func run(b *testing.B, bench func(b *testing.B, ctx context.Context)) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			ctx := context.Background()
			if k.cfg != nil {
				kt, err := trace.Setup(k.cfg(b))
				if err != nil {
					b.Fatal(err)
				}
				defer kt.Shutdown(context.Background(), trace.EndNormal)
				ctx = kt.Context(ctx)
			}
			ctx, end := trace.Step(ctx, upRunServer)
			defer end(nil)
			b.ReportAllocs()
			bench(b, ctx)
		})
	}
}

// BenchmarkStep opens and ends one step span with an error, as a deferred
// end(&err) does in every step function.
func BenchmarkStep(b *testing.B) {
	err := errors.New("failed to listen")
	run(b, func(b *testing.B, ctx context.Context) {
		for b.Loop() {
			_, end := trace.Step(ctx, upRunServer)
			end(&err)
		}
	})
}

// BenchmarkStepOK is BenchmarkStep for a step that returns nil, the
// common case.
func BenchmarkStepOK(b *testing.B) {
	run(b, func(b *testing.B, ctx context.Context) {
		for b.Loop() {
			var err error
			_, end := trace.Step(ctx, upRunServer)
			end(&err)
		}
	})
}

// BenchmarkGo starts a goroutine through trace.Go and waits for it to end.
// The bare sub-benchmark is the go statement and done channel trace.Go
// stands for: the floor any setup pays.
func BenchmarkGo(b *testing.B) {
	run(b, func(b *testing.B, ctx context.Context) {
		for b.Loop() {
			<-trace.Go(ctx, "bench", func(context.Context) {})
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		}
	})
}

// BenchmarkChan records the life of one channel: made, closed, received
// from (a wait and a receive). It reports the cost per event (4 per loop).
func BenchmarkChan(b *testing.B) {
	run(b, func(b *testing.B, ctx context.Context) {
		n := 0
		for b.Loop() {
			ch := trace.Make(ctx, make(chan struct{}), "stopCh", "bench")
			trace.Close(ctx, ch)
			trace.Recv(ctx, ch)
			n++
		}
		// b.Loop reports per loop; a loop is four events.
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(4*n), "ns/event")
	})
}

// BenchmarkLog writes one log line with a field from inside a step.
// Under traced the line also becomes an event on the step's span.
func BenchmarkLog(b *testing.B) {
	run(b, func(b *testing.B, ctx context.Context) {
		for b.Loop() {
			trace.Log(ctx).Info().Str(trace.LogNoteKey, "a note").Msg("Serving insecurely on 127.0.0.1:8080")
		}
	})
	// The walkthrough's own logger: console format, info level, time.
	b.Run("console", func(b *testing.B) {
		k, err := trace.Setup(trace.Config{Log: io.Discard, NoColor: true,
			LogLevel: zerolog.InfoLevel, Timestamps: true})
		if err != nil {
			b.Fatal(err)
		}
		defer k.Shutdown(context.Background(), trace.EndNormal)
		ctx, end := trace.Step(k.Context(context.Background()), upRunServer)
		defer end(nil)
		b.ReportAllocs()
		for b.Loop() {
			trace.Log(ctx).Info().Str(trace.LogNoteKey, "a note").Msg("Serving insecurely on 127.0.0.1:8080")
		}
	})
}

// TestUntracedCostsNoAllocations pins down what the benchmarks show: with
// no kit, the primitives allocate nothing; with a kit that neither traces
// nor logs, a log line and a receive from a channel Make named allocate
// nothing, and a step allocates only the context that carries it.
func TestUntracedCostsNoAllocations(t *testing.T) {
	k, err := trace.Setup(trace.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Shutdown(context.Background(), trace.EndNormal)
	ch := make(chan struct{})
	close(ch) // so that Recv returns at once
	for _, tc := range []struct {
		name string
		ctx  context.Context
		step float64 // allocations one Step and its end may make
	}{
		{"nokit", context.Background(), 0},
		{"off", k.Context(context.Background()), 2},
	} {
		ctx := tc.ctx
		trace.Make(ctx, ch, "stopCh", "the test")
		for _, op := range []struct {
			name string
			max  float64
			fn   func()
		}{
			{"Step", tc.step, func() { _, end := trace.Step(ctx, upRunServer); end(nil) }},
			{"Log", 0, func() { trace.Log(ctx).Info().Str(trace.LogNoteKey, "n").Msg("m") }},
			{"Recv", 0, func() { trace.Recv(ctx, ch) }},
		} {
			if got := testing.AllocsPerRun(100, op.fn); got > op.max {
				t.Errorf("%s: %s allocates %v times; want at most %v", tc.name, op.name, got, op.max)
			}
		}
	}
}

// TestLogLinesReachSpansWithoutLog checks that a kit that traces but has
// no Log writer still records log lines as span events.
func TestLogLinesReachSpansWithoutLog(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	k, err := trace.Setup(trace.Config{Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, end := trace.Step(k.Context(context.Background()), upRunServer)
	trace.Log(ctx).Info().Msg("Serving insecurely on 127.0.0.1:8080")
	end(nil)
	spans := exp.GetSpans()
	if len(spans) != 1 || len(spans[0].Events) != 1 || spans[0].Events[0].Name != "Serving insecurely on 127.0.0.1:8080" {
		t.Errorf("spans = %+v; want one step span with the log line as its event", spans)
	}
	_ = k.Shutdown(context.Background(), trace.EndNormal)
}
