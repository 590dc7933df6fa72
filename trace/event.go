package trace

import (
	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// addEvent records one of the kit's own events (chan.*, listener.*) on
// span, with attrs. Every kit event goes through here, so an attribute
// that all of them carry is added in this one place.
func addEvent(span oteltrace.Span, name string, attrs ...attribute.KeyValue) {
	span.AddEvent(name, oteltrace.WithAttributes(attrs...))
}
