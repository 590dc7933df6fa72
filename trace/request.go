package trace

import (
	"net/http"
	"time"

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
func Request(r *http.Request) (_ *http.Request, end func(status int)) {
	s := scopeOf(r.Context())
	k := s.kit
	if k == nil || !k.Tracing() {
		return r, endNothing
	}
	if !k.requests || !k.book.record() {
		return k.countOnly(r, s)
	}
	ctx := r.Context()
	if r.Header.Get("traceparent") != "" {
		ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	}
	ctx, span := k.tracer.Start(ctx, r.Method+" "+r.URL.Path,
		oteltrace.WithSpanKind(oteltrace.SpanKindServer),
		oteltrace.WithAttributes(
			attribute.String(KindKey, KindRequest),
			semconv.HTTPRequestMethodKey.String(r.Method),
			semconv.URLPath(r.URL.Path),
			semconv.URLScheme(scheme(r)),
			semconv.ClientAddress(r.RemoteAddr)))
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
		k.endSpan(span, nil)
	}
}

func endNothing(int) {}

// countOnly serves r without a span: it marks r's context so that the
// goroutines started for r get no span, and counts r when it ends.
func (k *Kit) countOnly(r *http.Request, s scope) (*http.Request, func(status int)) {
	start := time.Now()
	s.unrecorded = true
	method, path := r.Method, r.URL.Path
	return r.WithContext(withScope(r.Context(), s)), func(status int) {
		k.book.count(method, path, status, time.Since(start))
	}
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
