package trace

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// Upstream names the kube-apiserver function a step mirrors.
type Upstream struct {
	// Function is the upstream name as pkg.Func or pkg.Type.Method:
	// app.Run, server.RunServer, server.GenericAPIServer.PrepareRun.
	Function string
	// File is the path of the function's file in kubernetes/kubernetes,
	// e.g. staging/src/k8s.io/apiserver/pkg/server/serve.go.
	File string
	// Ref is the tag the step mirrors, e.g. v1.7.0.
	Ref string
	// Chapter is the slug of the book chapter that explains the step.
	Chapter string
}

// An UpstreamFile is an upstream file at the tag that steps mirror, with
// the chapter of the book that explains them. Steps that mirror functions
// of one file declare them through it, so the file and its tag are
// written once:
//
//	var genericapiserver = trace.UpstreamFile{
//		Path: "staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go", Ref: "v1.7.0", Chapter: "preparerun",
//	}
//	var upstreamRun = genericapiserver.Func("server.preparedGenericAPIServer.Run")
type UpstreamFile struct {
	Path    string // as Upstream.File
	Ref     string // as Upstream.Ref
	Chapter string // as Upstream.Chapter
}

// Func returns the Upstream of function, one of f's functions, named as
// Upstream.Function says.
func (f UpstreamFile) Func(function string) Upstream {
	return Upstream{Function: function, File: f.Path, Ref: f.Ref, Chapter: f.Chapter}
}

// Step opens a step span named up.Function, a child of the span in ctx,
// and returns a context that carries it and a logger whose lines carry the
// fields step and upstream. The span records which of our functions called
// Step (code.function.name, code.file.path, code.line.number).
//
// The caller must call end exactly once, usually deferred; end records
// *errp as the span's error when errp and *errp are non-nil:
//
//	func RunServer(ctx context.Context, …) (_ int, err error) {
//		ctx, end := trace.Step(ctx, upstreamRunServer)
//		defer end(&err)
func Step(ctx context.Context, up Upstream) (_ context.Context, end func(errp *error)) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return ctx, func(*error) {}
	}
	k := s.kit
	if !k.Tracing() {
		k.mu.Lock()
		k.reg.stats.Steps++
		k.mu.Unlock()
		ctx, end := stepUntraced(ctx, s, up)
		return k.started(ctx, up, end)
	}

	ctx, span := k.tracer.Start(ctx, up.Function)
	id := span.SpanContext().SpanID()
	k.mu.Lock()
	k.reg.stats.Steps++
	k.reg.steps[id] = openStep{id, up.Function, k.reg.stats.Steps}
	k.mu.Unlock()
	if span.IsRecording() {
		span.SetAttributes(attribute.String(KindKey, KindStep))
		span.SetAttributes(upstreamAttrs(up)...)
		span.SetAttributes(callerAttrs(2)...)
	}
	s.step = up.Function
	ctx = withScope(ctx, s)
	l := zerolog.Ctx(ctx).With().
		Str(LogStepKey, up.Function).
		Str(LogUpstreamKey, up.File+"@"+up.Ref).
		Logger()
	ctx = k.echoTo(l, span).WithContext(ctx)
	return k.started(ctx, up, func(errp *error) {
		if errp != nil && *errp != nil {
			span.RecordError(*errp, oteltrace.WithAttributes(k.eventSeq()))
			span.SetStatus(codes.Error, (*errp).Error())
		}
		k.endSpan(span, func() {
			k.mu.Lock()
			delete(k.reg.steps, id)
			k.mu.Unlock()
		})
	})
}

// endStep ends span if it is a step's still open, as the step's end does
// without an error; a goroutine's span it leaves alone.
func (k *Kit) endStep(span oteltrace.Span) {
	id := span.SpanContext().SpanID()
	k.mu.Lock()
	_, isStep := k.reg.steps[id]
	k.mu.Unlock()
	if !isStep {
		return
	}
	k.endSpan(span, func() {
		k.mu.Lock()
		delete(k.reg.steps, id)
		k.mu.Unlock()
	})
}

// upstreamAttrs are the attributes that say which upstream function a
// step or a goroutine mirrors.
func upstreamAttrs(up Upstream) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String(UpstreamFunctionKey, up.Function),
		attribute.String(UpstreamFileKey, up.File),
		attribute.String(UpstreamRefKey, up.Ref),
		attribute.String(ChapterKey, up.Chapter)}
}

// started calls the kit's Pause hook, if any, and then narrates that the
// step starts (the console's header line); end calls the hook again after
// the step has ended. Both run in the step's goroutine.
func (k *Kit) started(ctx context.Context, up Upstream, end func(*error)) (context.Context, func(*error)) {
	if k.pause != nil {
		k.pause(up, false)
		end = k.pausedAfter(up, end)
	}
	k.narrate(ctx, msgStepStarted, func(e *zerolog.Event) { e.Str(LogChapterKey, up.Chapter) })
	return ctx, end
}

func (k *Kit) pausedAfter(up Upstream, end func(*error)) func(*error) {
	return func(errp *error) {
		end(errp)
		k.pause(up, true)
	}
}

// stepUntraced is Step with tracing off: no span to open or end, and the
// step's logger only when there are log lines to carry its fields.
func stepUntraced(ctx context.Context, s scope, up Upstream) (context.Context, func(*error)) {
	s.step = up.Function
	ctx = withScope(ctx, s)
	if logs(ctx, zerolog.NoLevel) { // the logger writes lines at all
		l := zerolog.Ctx(ctx).With().
			Str(LogStepKey, up.Function).
			Str(LogUpstreamKey, up.File+"@"+up.Ref).
			Logger()
		ctx = l.WithContext(ctx)
	}
	return ctx, endUntraced
}

func endUntraced(*error) {}

// callerCache maps a program counter to the code.* attributes of the
// function it belongs to, so Step pays for runtime lookups once per call site.
var callerCache sync.Map // uintptr → []attribute.KeyValue

func callerAttrs(skip int) []attribute.KeyValue {
	pc, file, line, ok := runtime.Caller(skip)
	if !ok {
		return nil
	}
	if a, ok := callerCache.Load(pc); ok {
		return a.([]attribute.KeyValue)
	}
	name := ""
	if fn := runtime.FuncForPC(pc); fn != nil {
		name = fn.Name()
	}
	a := []attribute.KeyValue{
		semconv.CodeFunctionName(name),
		semconv.CodeFilePath(repoRelative(file)),
		semconv.CodeLineNumber(line),
	}
	callerCache.Store(pc, a)
	return a
}

// repoRoot is the directory (or, under -trimpath, the module path) that
// holds this repository; code.file.path is recorded relative to it.
var repoRoot = sync.OnceValue(func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file)) + "/"
})

func repoRelative(file string) string {
	return strings.TrimPrefix(file, repoRoot())
}

// spanOf returns the recording span in ctx, or nil.
func spanOf(ctx context.Context) oteltrace.Span {
	if span := oteltrace.SpanFromContext(ctx); span.IsRecording() {
		return span
	}
	return nil
}
