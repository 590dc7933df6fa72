package trace

import (
	"context"
	"fmt"
	"runtime/debug"

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
// goroutine=name.
//
// The kit counts the goroutine as live from the moment Go is called until
// fn returns, so [Kit.Wait] and [Kit.Stats] see it. The returned channel is
// closed after that, when the goroutine is about to exit.
//
// If fn panics, Go records the panic on the span (an exception event and
// an error status), ends the span, shuts the kit down with [EndPanic] so
// the trace file is complete, and then panics again with the same value:
// the process still crashes, as it would without the kit. The returned
// channel is then never closed, so that no goroutine waiting on it runs
// on while the process crashes.
func Go(ctx context.Context, name string, fn func(ctx context.Context)) <-chan struct{} {
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
	k.mu.Lock()
	seq := k.reg.goroutineStarted(name, s.step)
	k.mu.Unlock()

	go func() {
		var span oteltrace.Span = noop.Span{} // with tracing off, ending it does nothing
		if k.Tracing() {
			ctx, span = k.tracer.Start(ctx, name, oteltrace.WithAttributes(
				attribute.String(KindKey, KindGoroutine),
				attribute.String(GoroutineNameKey, name),
				attribute.Int(GoroutineIDKey, seq)))
		}
		s.goroutine = seq
		ctx = withScope(ctx, s)
		if logs(ctx, zerolog.NoLevel) { // the logger writes lines at all
			l := zerolog.Ctx(ctx).With().Str(LogGoroutine, name).Logger()
			ctx = k.echoTo(l, span).WithContext(ctx)
		}
		defer k.goroutineEnded(ctx, span, seq, done)
		k.narrate(ctx, msgGoroutineStarted, func(*zerolog.Event) {})
		fn(ctx)
	}()
	return done
}

// goroutineEnded runs deferred at the end of a kit goroutine, normally or
// while it panics. It closes done only when the goroutine did not panic.
func (k *Kit) goroutineEnded(ctx context.Context, span oteltrace.Span, seq int, done chan<- struct{}) {
	r := recover()
	if r == nil {
		k.narrate(ctx, msgGoroutineEnded, func(*zerolog.Event) {})
	} else {
		msg := fmt.Sprint(r)
		span.AddEvent("exception", oteltrace.WithAttributes(
			semconv.ExceptionType(fmt.Sprintf("%T", r)),
			semconv.ExceptionMessage(msg),
			semconv.ExceptionStacktrace(string(debug.Stack()))))
		span.SetStatus(codes.Error, msg)
	}
	span.End()
	k.mu.Lock()
	k.reg.goroutineEnded(seq)
	k.mu.Unlock()
	if r != nil {
		l := zerolog.Ctx(ctx).Output(k.out)
		l.Error().Str("panic", fmt.Sprint(r)).
			Msg(words.panicked)
		_ = k.Shutdown(context.Background(), EndPanic)
		panic(r)
	}
	close(done)
}
