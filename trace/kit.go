package trace

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config says where a [Kit] writes its spans and its log.
type Config struct {
	// TraceFile is the file spans are written to, one JSON object per span
	// in the stdouttrace format. They are written in batches, off the
	// goroutine that ends them: within FlushInterval of ending, and all of
	// them when the kit shuts down (see [Kit.Shutdown]). Empty means
	// tracing is off: a no-op tracer, nothing written.
	TraceFile string

	// TraceWriter, when non-nil, receives the trace instead of TraceFile,
	// written the same way. Benchmarks pass io.Discard.
	TraceWriter io.Writer

	// Exporter, when non-nil, receives the spans instead of TraceFile or
	// TraceWriter, each as it ends, on the goroutine that ends it. Tests
	// pass an in-memory exporter here, to read spans at once.
	Exporter sdktrace.SpanExporter

	// Log receives the log lines; nil discards them, and then, with
	// tracing off, the kit builds no log line at all.
	Log io.Writer
	// LogFormat is "console" (the default when empty), the narration a
	// person reads, or "json", one object per line with every field.
	LogFormat string
	// LogLevel is the lowest level written; the zero value is debug.
	LogLevel zerolog.Level
	// NoColor turns off colour in the console format.
	NoColor bool
	// Timestamps adds the time to each line of the JSON format; the
	// console narration leaves times out.
	Timestamps bool

	// Requests records a span for every HTTP request served (see
	// [Request]), up to MaxRequestSpans of them.
	Requests bool
	// MaxRequestSpans bounds the request spans recorded; 0 means no bound.
	// A request beyond it, or every request when Requests is false, gets
	// no span, and neither do the goroutines started for it: the kit
	// counts it instead, by method, path and status, with its latency,
	// and the summary span holds the counts ([Kit.Requests]). Steps,
	// other goroutines, channels and listeners are always recorded.
	MaxRequestSpans int

	// Version is recorded as service.version on every span.
	Version string
	// Era names the Kubernetes version the run mirrors (the walkthrough's
	// --era: v1.7, v1.9 or modern); it is recorded as walkthrough.era on
	// every span, in the resource, and left out when empty.
	Era string
	// Lang is the language the kit narrates in, and that [Kit.Context]
	// gives the steps (package lang); the zero value is English.
	Lang lang.Lang
	// Pause, when set, is called in a step's goroutine as every step
	// starts (ended false) and after it has ended (ended true); the step
	// waits for it to return. The walkthrough's --until and --step stop
	// the startup there.
	Pause func(up Upstream, ended bool)
}

// A Kit is the instrumentation of one run: its tracer, its logger and the
// registry of the goroutines, channels and listeners the run's steps
// recorded. Steps reach it through the context ([Kit.Context]). For a
// context without a Kit, every function of this package records nothing:
// [Go] still starts the goroutine, and the channel and listener
// operations still operate; the rest do nothing.
//
// A Kit is safe for concurrent use.
type Kit struct {
	tracer   oteltrace.Tracer
	provider *sdktrace.TracerProvider // nil when tracing is off
	requests bool                     // a span per HTTP request
	book     requestBook              // which requests get a span; the others' counts
	file     *os.File                 // the trace file, if Setup opened one
	logger   zerolog.Logger
	logging  bool      // logger writes at some level: else no context holds a logger that does
	out      io.Writer // where logger writes; span echoes wrap it
	pause    func(up Upstream, ended bool)
	lang     lang.Lang

	events atomic.Int64 // the last event sequence number handed out
	// ended is set by Shutdown and Discard: the run's log is over, and
	// what happens after it (in tests, what StopNeverStopped stops) is
	// not logged.
	ended      atomic.Bool
	logWriting sync.RWMutex // see afterEnd

	// ending orders the end of spans against the summary: a span ends
	// and the registry learns of it under the read lock, the summary is
	// written under the write lock, and after it (summarized) no span
	// ends. So the file agrees with the summary even when other goroutines
	// run on while a panic shuts the kit down: what the summary lists as
	// running has no span, and nothing is written after it.
	ending     sync.RWMutex
	summarized bool

	mu       sync.Mutex
	reg      registry
	clients  map[idleCloser]struct{} // in-process clients' transports ([Transport])
	shutdown sync.Once
	errShut  error
}

// Setup builds a Kit from cfg: the tracer provider (resource service.name
// kubewalk, service.version and walkthrough.era), the exporter writing to cfg.TraceFile, and the
// logger. The caller must call [Kit.Shutdown], which writes the summary
// span and closes the file. Setup fails only if the trace file cannot be
// created or cfg.LogFormat is unknown.
func Setup(cfg Config) (*Kit, error) {
	k := &Kit{reg: newRegistry(cfg.Lang), pause: cfg.Pause, lang: cfg.Lang, clients: map[idleCloser]struct{}{}}
	if err := k.setupLog(cfg); err != nil {
		return nil, err
	}
	processor, err := k.processor(cfg)
	if err != nil {
		return nil, err
	}
	if processor == nil {
		k.tracer = noop.NewTracerProvider().Tracer("")
		return k, nil
	}
	attrs := []attribute.KeyValue{semconv.ServiceName("kubewalk"), semconv.ServiceVersion(cfg.Version)}
	if cfg.Era != "" {
		attrs = append(attrs, attribute.String(EraKey, cfg.Era))
	}
	res := resource.NewWithAttributes(semconv.SchemaURL, attrs...)
	k.provider = sdktrace.NewTracerProvider(processor, sdktrace.WithResource(res))
	k.tracer = k.provider.Tracer("github.com/kubewalk/kubewalk")
	k.requests = cfg.Requests
	k.book.max = cfg.MaxRequestSpans
	return k, nil
}

// How the trace file is written. Encoding a span as JSON costs more than
// recording it, so it is done in batches by a goroutine of the
// OpenTelemetry SDK's batch span processor, not by the goroutine that ends
// the span: a request does not wait for its spans to be written. The
// spans are written as stdouttrace writes them, by fileExporter. The
// processor never drops a span: when BatchSize spans wait, the goroutine
// ending the next one waits too. It writes a batch when BatchSize spans
// have ended or FlushInterval has passed, and everything when the kit
// shuts down, which every ending of a run does: a normal end, a signal,
// a second signal ([Exit]), an error, and a panic in a goroutine of [Go].
// A process killed with SIGKILL loses the spans not written yet: those
// that ended in its last FlushInterval, at most BatchSize waiting and
// BatchSize being gathered.
const (
	FlushInterval = 100 * time.Millisecond
	BatchSize     = 512
)

// processor returns how spans leave the kit for cfg: through the batch
// span processor to the trace file or writer, synchronously to
// cfg.Exporter, or nil when tracing is off. It creates the trace file.
func (k *Kit) processor(cfg Config) (sdktrace.TracerProviderOption, error) {
	if cfg.Exporter != nil {
		return sdktrace.WithSyncer(cfg.Exporter), nil
	}
	w := cfg.TraceWriter
	if w == nil && cfg.TraceFile != "" {
		f, err := CreateFile(cfg.TraceFile)
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		k.file, w = f, f
	}
	if w == nil {
		return nil, nil
	}
	return sdktrace.WithBatcher(newFileExporter(w),
		sdktrace.WithBlocking(),
		sdktrace.WithMaxQueueSize(BatchSize),
		sdktrace.WithMaxExportBatchSize(BatchSize),
		sdktrace.WithBatchTimeout(FlushInterval)), nil
}

// Context returns a copy of ctx that carries k and its logger.
func (k *Kit) Context(ctx context.Context) context.Context {
	ctx = withScope(lang.With(ctx, k.lang), scope{kit: k})
	return k.logger.WithContext(ctx)
}

// Logger returns the kit's logger, without any step's fields.
func (k *Kit) Logger() *zerolog.Logger { return &k.logger }

// Tracing reports whether spans are recorded.
func (k *Kit) Tracing() bool { return k.provider != nil }

// Shutdown ends the spans of the goroutines that still run (marked
// walkthrough.still_running), records how the run ended in a last span,
// walkthrough.summary, with the counts of [Kit.Stats] and a still.open
// event for everything that was announced and not ended; then it writes
// every span not written yet and closes the trace file. Only the first
// call does anything; later calls return its error.
func (k *Kit) Shutdown(ctx context.Context, ending Ending) error {
	k.shutdown.Do(func() {
		defer k.ended.Store(true)
		k.writeSummary(ending)
		if k.provider != nil {
			k.errShut = k.provider.Shutdown(ctx)
		}
		if k.file != nil {
			if err := k.file.Close(); err != nil && k.errShut == nil {
				k.errShut = fmt.Errorf("trace: %w", err)
			}
		}
	})
	return k.errShut
}

// Discard ends k without a summary and removes the trace file Setup
// created: for runs that end before they began, such as bad flags, which
// must leave nothing behind.
func (k *Kit) Discard() {
	k.shutdown.Do(func() {
		k.ended.Store(true)
		if k.provider != nil {
			_ = k.provider.Shutdown(context.Background())
		}
		if k.file != nil {
			k.file.Close()
			os.Remove(k.file.Name())
		}
	})
}

// scope is what the context carries: the kit, and where in the run the
// code holding the context is.
type scope struct {
	kit       *Kit
	step      string // upstream function of the innermost step
	goroutine int    // seq of the kit goroutine, 0 on the caller's goroutine
	// unrecorded is set while a request without a span is served: the
	// goroutines started for it get no span either.
	unrecorded bool
	// request is set while a request is served (see [Request]).
	request bool
}

type scopeKey struct{}

func scopeOf(ctx context.Context) scope {
	if p, _ := ctx.Value(scopeKey{}).(*scope); p != nil {
		return *p
	}
	return scope{}
}

func withScope(ctx context.Context, s scope) context.Context {
	return &scopeCtx{ctx, s}
}

// scopeCtx carries a scope: one allocation, where context.WithValue would
// take two (the context and the boxed scope). Steps and goroutines make
// one each.
type scopeCtx struct {
	context.Context
	s scope
}

func (c *scopeCtx) Value(key any) any {
	if key == (scopeKey{}) {
		return &c.s
	}
	return c.Context.Value(key)
}

// Exit shuts down the kit in ctx with ending, so the trace file is
// complete, and then exits the process with code. It stands in for
// os.Exit where upstream exits directly (a second signal).
func Exit(ctx context.Context, code int, ending Ending) {
	if k := scopeOf(ctx).kit; k != nil {
		_ = k.Shutdown(context.Background(), ending)
	}
	os.Exit(code)
}

// Fatalf stands for upstream's glog.Fatalf: it logs the line at fatal
// level, gives the span in ctx (the step or goroutine that died) the line
// as its error, shuts down the kit in ctx with [EndFatal], so the trace
// file is complete, and exits the process with status 255, as glog does.
// A step in ctx ends there; a goroutine's span is ended by Shutdown, as
// still running, with every other goroutine's. The steps around are not
// written: they never end, and the summary lists them.
func Fatalf(ctx context.Context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	Log(ctx).WithLevel(zerolog.FatalLevel).Msg(msg)
	if span := spanOf(ctx); span != nil {
		span.SetStatus(codes.Error, msg)
		if k := scopeOf(ctx).kit; k != nil {
			k.endStep(span)
		}
	}
	Exit(ctx, 255, EndFatal)
}

// endSpan ends span and then runs book, the registry's record of the end
// (nil: none). Once the summary has been written it does not end span,
// which stays out of the trace as the summary says (see Kit.ending); the
// registry still learns of the end, so that [Kit.Wait] after Shutdown
// (tests stopping what upstream never stops) does not wait for it.
func (k *Kit) endSpan(span oteltrace.Span, book func()) {
	k.ending.RLock()
	defer k.ending.RUnlock()
	if !k.summarized {
		span.End()
	}
	if book != nil {
		book()
	}
}
