package trace

import (
	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// addEvent records one of the kit's own events (chan.*, listener.*,
// exception, still.open) on span, with attrs and the event's sequence
// number. Every kit event goes through here or through [Kit.eventSeq],
// so an attribute that all of them carry is added in this one place.
func (k *Kit) addEvent(span oteltrace.Span, name string, attrs ...attribute.KeyValue) {
	span.AddEvent(name, oteltrace.WithAttributes(append(attrs, k.eventSeq())...))
}

// eventSeq returns the next event sequence number as the attribute
// walkthrough.event.seq ([EventSeqKey]). It is taken at the operation the
// event records (before a close, after a receive returned), so sorting a
// kit's events by it gives the order the operations happened in, which
// the events' timestamps, from a clock read at another moment, may not.
func (k *Kit) eventSeq() attribute.KeyValue {
	return attribute.Int64(EventSeqKey, k.events.Add(1))
}
