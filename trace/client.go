package trace

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// propagator carries a client span to the server in the traceparent
// header, so that the server's request span becomes its child.
var propagator = propagation.TraceContext{}

// Transport returns a wrapper for the round tripper of an in-process
// client, in the form client-go's rest.Config.Wrap takes. The wrapped
// round tripper records each request whose context carries a kit that
// records requests as a client span (walkthrough.kind request, span kind
// client) named like the server's, a child of the span in the request's
// context: the goroutine or step that sent it. The span ends when the
// response's headers have arrived. Client spans share the kit's bound on
// request spans (Config.MaxRequestSpans) with the servers' request spans:
// past it, a request is counted instead. It records the method, the URL and the
// status, never a header: the wrappers client-go puts around it add
// the credentials. The span goes to the
// server in a traceparent header, and the server's request span (see
// [Request]) becomes its child. Requests from a context without such a
// kit pass through untouched.
//
// The kit in ctx, if any, also keeps the round tripper it wraps, so that
// [Kit.CloseIdleConnections] can close the client's idle connections.
func Transport(ctx context.Context) func(http.RoundTripper) http.RoundTripper {
	k := scopeOf(ctx).kit
	return func(rt http.RoundTripper) http.RoundTripper {
		if c := closerOf(rt); k != nil && c != nil {
			k.mu.Lock()
			k.clients[c] = struct{}{}
			k.mu.Unlock()
		}
		return tracingRoundTripper{rt}
	}
}

type idleCloser interface{ CloseIdleConnections() }

// closerOf returns the first round tripper in rt's chain of wrappers
// (client-go's wrappers say what they wrap) that can close its idle
// connections, or nil.
func closerOf(rt http.RoundTripper) idleCloser {
	for rt != nil {
		if c, ok := rt.(idleCloser); ok {
			return c
		}
		w, ok := rt.(interface{ WrappedRoundTripper() http.RoundTripper })
		if !ok {
			return nil
		}
		rt = w.WrappedRoundTripper()
	}
	return nil
}

type tracingRoundTripper struct{ rt http.RoundTripper }

func (t tracingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	k := scopeOf(req.Context()).kit
	if k == nil || !k.Tracing() {
		return t.rt.RoundTrip(req)
	}
	if !k.requests || !k.book.record() { // as a server's request past the limit: counted, no span
		start := time.Now()
		resp, err := t.rt.RoundTrip(req)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		k.book.count(req.Method, req.URL.Path, status, time.Since(start))
		return resp, err
	}
	ctx, span := k.tracer.Start(req.Context(), req.Method+" "+req.URL.Path,
		oteltrace.WithSpanKind(oteltrace.SpanKindClient),
		oteltrace.WithAttributes(
			attribute.String(KindKey, KindRequest),
			semconv.HTTPRequestMethodKey.String(req.Method),
			semconv.URLFull(req.URL.String())))
	k.sending(span)
	defer k.sent(span)
	req = req.Clone(ctx) // a RoundTripper must not change the request it was given
	propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		span.RecordError(err, oteltrace.WithAttributes(k.eventSeq()))
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// sending keeps the span of a request being sent, for Shutdown to end
// should the process end before its answer; sent ends it.
func (k *Kit) sending(span oteltrace.Span) {
	k.mu.Lock()
	k.reg.inFlight[span] = struct{}{}
	k.mu.Unlock()
}

func (k *Kit) sent(span oteltrace.Span) {
	k.endSpan(span, func() {
		k.mu.Lock()
		delete(k.reg.inFlight, span)
		k.mu.Unlock()
	})
}

// WrappedRoundTripper returns the round tripper it wraps, as client-go's
// own wrappers do.
func (t tracingRoundTripper) WrappedRoundTripper() http.RoundTripper { return t.rt }

// CloseIdleConnections closes the idle connections of every client whose
// round tripper [Transport] wrapped with this kit. A process that ends
// closes them anyway; an in-process run calls it at its end, so that
// connections the hooks left idle do not outlive it.
func (k *Kit) CloseIdleConnections() {
	k.mu.Lock()
	var clients []idleCloser
	for c := range k.clients {
		clients = append(clients, c)
	}
	k.mu.Unlock()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
}
