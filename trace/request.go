package trace

import (
	"net/http"

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
// must call end with the response status once the handler has returned.
// When nothing records, Request returns r unchanged and allocates nothing,
// so it can sit on the request path of every server.
func Request(r *http.Request) (_ *http.Request, end func(status int)) {
	k := scopeOf(r.Context()).kit
	if k == nil || !k.requests {
		return r, endNothing
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
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}
}

func endNothing(int) {}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
