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
	// One allocation holds what the goroutine needs: a go statement on
	// a closure would allocate each captured variable on its own, and a
	// request's WithTimeout goroutine is started through here.
	g := &goroutine{ctx: ctx, name: name, fn: fn, scope: s, done: done, span: noSpan}
	for _, opt := range opts {
		opt(&g.opts)
	}
	k.mu.Lock()
	if g.opts.neverStopped == "" {
		g.opts.neverStopped = k.reg.neverStopped(s.goroutine)
	}
	g.seq = k.reg.goroutineStarted(name, s.step, g.opts.neverStopped, g.opts.stop)
	k.mu.Unlock()
	go k.run(g)
	return done
}

// noSpan is the span of a goroutine whose span is not recorded: ending it
// does nothing. It is made once, not per goroutine.
var noSpan oteltrace.Span = noop.Span{}

// run is the body of a goroutine of [Go].
func (k *Kit) run(g *goroutine) {
	ctx, s := g.ctx, g.scope
	if k.Tracing() {
		if s.unrecorded {
			g.start = time.Now() // for the span of a panic
			k.book.goroutine()
		} else {
			ctx, g.span = g.startSpan(k)
		}
	}
	s.goroutine = g.seq
	ctx = withScope(ctx, s)
	if logs(ctx, zerolog.NoLevel) { // the logger writes lines at all
		l := zerolog.Ctx(ctx).With().Str(LogGoroutine, g.name).Logger()
		ctx = k.echoTo(l, g.span).WithContext(ctx)
	}
	defer k.goroutineEnded(ctx, g, g.done)
	k.narrate(ctx, msgGoroutineStarted, func(*zerolog.Event) {})
	g.fn(ctx)
}

// goroutine is one goroutine of [Go].
type goroutine struct {
	ctx   context.Context // Go's ctx: the span's parent
	name  string
	fn    func(context.Context)
	scope scope // of Go's caller
	done  chan struct{}
	seq   int
	opts  goOptions
	span  oteltrace.Span
	start time.Time // when it started, if it has no span yet
}

// startSpan starts the goroutine's span, at g.start when that is set.
func (g *goroutine) startSpan(k *Kit) (context.Context, oteltrace.Span) {
	attrs := []attribute.KeyValue{
		attribute.String(KindKey, KindGoroutine),
		attribute.String(GoroutineNameKey, g.name),
		attribute.Int(GoroutineIDKey, g.seq)}
	if g.opts.neverStopped != "" {
		attrs = append(attrs, attribute.String(NeverStoppedKey, g.opts.neverStopped))
	}
	opts := []oteltrace.SpanStartOption{oteltrace.WithAttributes(attrs...)}
	if !g.start.IsZero() {
		opts = append(opts, oteltrace.WithTimestamp(g.start))
	}
	return k.tracer.Start(g.ctx, g.name, opts...)
}

// A GoOption says more about a goroutine [Go] starts.
type GoOption func(*goOptions)

type goOptions struct {
	neverStopped string
	stop         func()
}

// NeverStopped says that upstream never stops the goroutine, and why (for
// example "v1.7 never calls Runner.Stop; v1.9 does, from a pre-shutdown
// hook"): [Kit.Wait] does not wait for it, [Kit.Stats] lists it as open
// with why, and its span carries why as walkthrough.never_stopped. stop
// is what would stop it, which upstream never calls; only tests call it,
// through [Kit.StopNeverStopped], so that no goroutine outlives them.
func NeverStopped(why string, stop func()) GoOption {
	return func(o *goOptions) { o.neverStopped, o.stop = why, stop }
}

// goroutineEnded runs deferred at the end of a kit goroutine, normally or
// while it panics. It closes done only when the goroutine did not panic.
func (k *Kit) goroutineEnded(ctx context.Context, g *goroutine, done chan<- struct{}) {
	r := recover()
	span, seq := g.span, g.seq
	if r == nil {
		k.narrate(ctx, msgGoroutineEnded, func(*zerolog.Event) {})
	} else {
		if !g.start.IsZero() { // a goroutine of a request without a span: the panic gets one
			_, span = g.startSpan(k)
		}
		msg := fmt.Sprint(r)
		k.addEvent(span, "exception",
			semconv.ExceptionType(fmt.Sprintf("%T", r)),
			semconv.ExceptionMessage(msg),
			semconv.ExceptionStacktrace(string(debug.Stack())))
		span.SetStatus(codes.Error, msg)
	}
	var mirrors *Upstream
	k.endSpan(span, func() {
		k.mu.Lock()
		mirrors = k.reg.goroutineEnded(seq)
		k.mu.Unlock()
	})
	if r != nil {
		l := zerolog.Ctx(ctx).Output(k.out)
		l.Error().Str("panic", fmt.Sprint(r)).
			Msg(k.lang.Say("goroutine panicked: trace written, the process crashes next"))
		_ = k.Shutdown(context.Background(), EndPanic)
		panic(r)
	}
	close(done)
	if mirrors != nil && k.pause != nil {
		k.pause(*mirrors, true)
	}
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
