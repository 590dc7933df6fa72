package trace

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// writeSummary records the run's last span: a root span named
// walkthrough.summary with the counts and what was still open.
func (k *Kit) writeSummary(ending Ending) {
	st := k.Stats()
	_, span := k.tracer.Start(context.Background(), SummarySpanName, oteltrace.WithNewRoot())
	if !span.IsRecording() {
		span.End()
		return
	}
	span.SetAttributes(
		attribute.String(KindKey, KindSummary),
		attribute.String(EndingKey, string(ending)),
		attribute.Int(StepsKey, st.Steps),
		attribute.Int(GoroutinesStartedKey, st.GoroutinesStarted),
		attribute.Int(GoroutinesEndedKey, st.GoroutinesEnded),
		attribute.Int(ChansMadeKey, st.ChansMade),
		attribute.Int(ChansClosedKey, st.ChansClosed),
		attribute.Int(ListenersOpenedKey, st.ListenersOpened),
		attribute.Int(ListenersClosedKey, st.ListenersClosed))
	for _, o := range st.Open {
		span.AddEvent(EventStillOpen, oteltrace.WithAttributes(
			attribute.String(StillOpenKindKey, o.Kind),
			attribute.String(StillOpenNameKey, o.Name),
			attribute.String(StillOpenDetailKey, o.Detail)))
	}
	span.End()
}
