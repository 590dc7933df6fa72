package trace

import (
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// Request opens a request span (walkthrough.kind request) for r when the
// kit in r's context records spans and was set up with Config.Requests,
// and returns r carrying it. The span is a child of the client span r's
// traceparent header names, when it has one (an in-process client, see
// [Transport]), else of the span in r's context. The caller
// must call end with the response status once the handler has returned,
// or with 0 when there was none to give, the connection being gone: the
// span then gets a request.cut event and an error status.
//
// Past Config.MaxRequestSpans request spans, or when the kit records
// spans but not requests, r gets no span: Request returns r marked so that
// the goroutines started for it get none either, and end counts it (see
// [Kit.Requests]). When nothing records, Request returns r unchanged and
// allocates nothing, so it can sit on the request path of every server.
//
// The log lines of r's handlers are events on its span, when it has one.
//
// [Kit.Wait] waits for end, as for a goroutine: a request served on a
// goroutine of net/http's, such as a watch its client hangs up on at
// shutdown, ends before the summary counts it and its span is written.
func Request(r *http.Request) (_ *http.Request, end func(status int)) {
	s := scopeOf(r.Context())
	k := s.kit
	if k == nil || !k.Tracing() {
		return r, endNothing
	}
	if !k.requests || !k.book.record() {
		k.requestStarted(nil)
		return k.countOnly(r, s)
	}
	ctx := r.Context()
	if r.Header.Get("traceparent") != "" {
		ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	s.request = true
	ctx = withScope(ctx, s)
	ctx, span := k.tracer.Start(ctx, r.Method+" "+r.URL.Path,
		oteltrace.WithSpanKind(oteltrace.SpanKindServer),
		oteltrace.WithAttributes(
			attribute.String(KindKey, KindRequest),
			semconv.HTTPRequestMethodKey.String(r.Method),
			semconv.URLPath(r.URL.Path),
			semconv.URLScheme(scheme(r)),
			semconv.ClientAddress(r.RemoteAddr)))
	k.requestStarted(span)
	if logs(ctx, zerolog.NoLevel) {
		// What the handlers log goes on the request's span, which lasts
		// as long as they run, not on the serving goroutine's, which may
		// end first (a listener closes, its connections serve on).
		ctx = k.echoTo(*zerolog.Ctx(ctx), span).WithContext(ctx)
	}
	return r.WithContext(ctx), func(status int) {
		switch {
		case status == 0:
			k.addEvent(span, EventRequestCut)
			span.SetStatus(codes.Error, "cut off: no response, the connection is gone")
		case status >= 500:
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		if status != 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		}
		k.requestEnded(span)
	}
}

// requestStarted counts a request Wait waits for, and keeps its span, if
// it has one, for Shutdown to end should the process end first.
func (k *Kit) requestStarted(span oteltrace.Span) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reg.waitFor()
	if span != nil {
		k.reg.inFlight[span] = struct{}{}
	}
}

// requestEnded ends span, if the request has one, and counts the end.
func (k *Kit) requestEnded(span oteltrace.Span) {
	book := func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.reg.waitedEnded()
		if span != nil {
			delete(k.reg.inFlight, span)
		}
	}
	if span == nil {
		book()
		return
	}
	k.endSpan(span, book)
}

func endNothing(int) {}

// countOnly serves r without a span: it marks r's context so that the
// goroutines started for r get no span, and counts r when it ends.
func (k *Kit) countOnly(r *http.Request, s scope) (*http.Request, func(status int)) {
	start := time.Now()
	s.unrecorded, s.request = true, true
	method, path := r.Method, r.URL.Path
	return r.WithContext(withScope(r.Context(), s)), func(status int) {
		k.book.count(method, path, status, time.Since(start))
		k.requestEnded(nil)
	}
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
