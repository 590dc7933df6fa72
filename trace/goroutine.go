package trace

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Go runs fn in a new goroutine, as the go statement it stands for. The
// goroutine gets a span named name (walkthrough.kind goroutine), a child of
// the step in ctx, that starts when the goroutine starts and ends when fn
// returns; fn's ctx carries that span and a logger with the field
// goroutine=name. opts say more about it, such as that upstream never
// stops it ([NeverStopped]). A goroutine started by one that upstream
// never stops is never stopped either, for the same reason, unless opts
// say otherwise: a watch the watch cache's reflector opens lasts as long as
// the reflector does.
//
// The kit counts the goroutine as live from the moment Go is called until
// fn returns, so [Kit.Wait] and [Kit.Stats] see it. The returned channel is
// closed after that, when the goroutine is about to exit.
//
// A goroutine started while a request without a span is served (see
// [Request]) gets no span either, unless it panics: then its span is
// recorded at the end, from the time it started.
//
// If fn panics, Go records the panic on the span (an exception event and
// an error status), ends the span, shuts the kit down with [EndPanic] so
// the trace file is complete, and then panics again with the same value:
// the process still crashes, as it would without the kit. The returned
// channel is then never closed, so that no goroutine waiting on it runs
// on while the process crashes.
func Go(ctx context.Context, name string, fn func(ctx context.Context), opts ...GoOption) <-chan struct{} {
	done := make(chan struct{})
	s := scopeOf(ctx)
	k := s.kit
	if k == nil {
		go func() {
			defer close(done)
			fn(ctx)
		}()
		return done
	}
	// One allocation holds what the goroutine needs, its registry entry
	// and its context included: a go statement on a closure would
	// allocate each captured variable on its own, and a request's
	// WithTimeout goroutine is started through here.
	g := &goroutine{ctx: ctx, fn: fn, scope: s, done: done, span: noSpan}
	g.info = goroutineInfo{name: name, startedBy: s.step}
	for _, opt := range opts {
		opt(&g.opts)
	}
	k.mu.Lock()
	if g.opts.neverStopped == "" {
		g.opts.neverStopped = k.reg.neverStopped(s.goroutine)
	}
	g.info.neverStopped, g.info.stop, g.info.request = g.opts.neverStopped, g.opts.stop, s.request
	g.seq = k.reg.goroutineStarted(&g.info)
	k.mu.Unlock()
	if g.opts.neverStopped != "" && k.Tracing() && !s.unrecorded {
		// Its span starts here, not in the goroutine, so that Shutdown
		// finds it to end however late the goroutine is scheduled.
		g.spanCtx, g.span = g.startSpan(k)
		k.keepSpan(g.seq, g.span)
	}
	go k.run(g)
	return done
}

// noSpan is the span of a goroutine whose span is not recorded: ending it
// does nothing. It is made once, not per goroutine.
var noSpan oteltrace.Span = noop.Span{}

// run is the body of a goroutine of [Go]. When the kit neither traces nor
// logs, it only puts the goroutine's scope in fn's context: a request's
// goroutine (WithTimeout's) then pays for no span, logger or context
// lookup it would not use. The span and the logger are made in functions
// of their own, which keeps run's stack frame small: fn starts on it, and
// a new goroutine's stack is small too.
func (k *Kit) run(g *goroutine) {
	ctx := g.ctx
	if k.Tracing() {
		ctx = k.startRecording(ctx, g)
	}
	s := g.scope
	s.goroutine = g.seq
	g.sctx = scopeCtx{ctx, s}
	ctx = &g.sctx
	if k.logging {
		ctx = k.goroutineLogger(ctx, g)
	}
	defer k.goroutineEnded(ctx, g, g.done)
	k.narrate(ctx, msgGoroutineStarted, noFields)
	g.fn(ctx)
}

// startRecording starts g's span (unless Go did) and keeps it for
// Shutdown, or, for a goroutine of a request without a span, counts it
// and notes when it started (for the span of a panic). It returns the
// context fn's span lives in.
func (k *Kit) startRecording(ctx context.Context, g *goroutine) context.Context {
	if g.scope.unrecorded {
		g.start = time.Now()
		k.book.goroutine()
		return ctx
	}
	if g.spanCtx != nil { // a never-stopped goroutine's, started by Go
		return g.spanCtx
	}
	ctx, g.span = g.startSpan(k)
	k.keepSpan(g.seq, g.span)
	return ctx
}

// goroutineLogger returns ctx with a logger whose lines carry the field
// goroutine=name and, when g has a span, are recorded on it too.
func (k *Kit) goroutineLogger(ctx context.Context, g *goroutine) context.Context {
	if !logs(ctx, zerolog.NoLevel) { // the logger writes lines at all
		return ctx
	}
	l := zerolog.Ctx(ctx).With().Str(LogGoroutine, g.info.name).Logger()
	return k.echoTo(l, g.span).WithContext(ctx)
}

func noFields(*zerolog.Event) {}

// goroutine is one goroutine of [Go].
type goroutine struct {
	ctx     context.Context // Go's ctx: the span's parent
	fn      func(context.Context)
	scope   scope // of Go's caller
	done    chan struct{}
	seq     int
	opts    goOptions
	span    oteltrace.Span
	spanCtx context.Context // carries span, when Go started it (a never-stopped goroutine's)
	start   time.Time       // when it started, if it has no span yet
	info    goroutineInfo   // the registry's entry, while it runs
	sctx    scopeCtx        // fn's context: its scope names this goroutine
}

// startSpan starts the goroutine's span, at g.start when that is set.
func (g *goroutine) startSpan(k *Kit) (context.Context, oteltrace.Span) {
	attrs := []attribute.KeyValue{
		attribute.String(KindKey, KindGoroutine),
		attribute.String(GoroutineNameKey, g.info.name),
		attribute.Int(GoroutineIDKey, g.seq)}
	if g.opts.neverStopped != "" {
		attrs = append(attrs, attribute.String(NeverStoppedKey, g.opts.neverStopped))
	}
	opts := []oteltrace.SpanStartOption{oteltrace.WithAttributes(attrs...)}
	if !g.start.IsZero() {
		opts = append(opts, oteltrace.WithTimestamp(g.start))
	}
	return k.tracer.Start(g.ctx, g.info.name, opts...)
}

// A GoOption says more about a goroutine [Go] starts.
type GoOption func(*goOptions)

type goOptions struct {
	neverStopped string
	stop         func()
}

// NeverStopped says that upstream never stops the goroutine, and why (for
// example "v1.7 never calls Runner.Stop; v1.9 does, from a pre-shutdown
// hook"), in English, marked with lang.N where it is written, so that
// [Kit.Stats] says it in the run's language: [Kit.Wait] does not wait for
// it, [Kit.Stats] lists it as open with why, and its span carries why, in
// English, as walkthrough.never_stopped. stop
// is what would stop it, which upstream never calls; only tests call it,
// through [Kit.StopNeverStopped], so that no goroutine outlives them.
func NeverStopped(why string, stop func()) GoOption {
	return func(o *goOptions) { o.neverStopped, o.stop = why, stop }
}

// goroutineEnded runs deferred at the end of a kit goroutine, normally or
// while it panics. It closes done only when the goroutine did not panic.
func (k *Kit) goroutineEnded(ctx context.Context, g *goroutine, done chan<- struct{}) {
	if r := recover(); r != nil {
		k.goroutinePanicked(ctx, g, r)
	}
	k.narrate(ctx, msgGoroutineEnded, noFields)
	mirrors := k.forget(g.span, g.seq)
	close(done)
	if mirrors != nil && k.pause != nil {
		k.pause(*mirrors, true)
	}
}

// goroutinePanicked records the panic r of g on its span (made now if the
// goroutine had none: a request's without a span), ends the span, writes
// the trace, and panics again with r: the process crashes, as it would
// without the kit.
func (k *Kit) goroutinePanicked(ctx context.Context, g *goroutine, r any) {
	span := g.span
	if !g.start.IsZero() {
		_, span = g.startSpan(k)
	}
	msg := fmt.Sprint(r)
	k.addEvent(span, "exception",
		semconv.ExceptionType(fmt.Sprintf("%T", r)),
		semconv.ExceptionMessage(msg),
		semconv.ExceptionStacktrace(string(debug.Stack())))
	span.SetStatus(codes.Error, msg)
	k.forget(span, g.seq)
	l := zerolog.Ctx(ctx).Output(k.out)
	l.Error().Str("panic", msg).
		Msg(k.lang.Say("goroutine panicked: trace written, the process crashes next"))
	_ = k.Shutdown(context.Background(), EndPanic)
	panic(r)
}

// forget ends the span of the goroutine seq and removes the goroutine from
// the registry, in order with the summary (see [Kit.endSpan]). It returns
// the upstream function the goroutine mirrors, if any.
func (k *Kit) forget(span oteltrace.Span, seq int) (mirrors *Upstream) {
	k.endSpan(span, func() {
		k.mu.Lock()
		mirrors = k.reg.goroutineEnded(seq)
		k.mu.Unlock()
	})
	return mirrors
}

// Mirroring says that the goroutine in ctx, started with [Go], runs the
// upstream function up, as a post-start hook's goroutine runs the hook.
// Call it first thing in fn, before any step: it puts the
// walkthrough.upstream.* attributes and walkthrough.chapter on the
// goroutine's span, as a step span has them, and makes the kit call its
// Pause hook with up (ended true) once fn has returned. Outside a kit
// goroutine it does nothing.
func Mirroring(ctx context.Context, up Upstream) {
	s := scopeOf(ctx)
	if s.kit == nil || s.goroutine == 0 {
		return
	}
	if span := spanOf(ctx); span != nil {
		span.SetAttributes(upstreamAttrs(up)...)
	}
	s.kit.mu.Lock()
	defer s.kit.mu.Unlock()
	if g := s.kit.reg.live[s.goroutine]; g != nil {
		g.mirrors = &up
	}
}
