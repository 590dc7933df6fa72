package trace

import (
	"context"
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// writeSummary records the run's last span: a root span named
// walkthrough.summary with the counts and what was still open: the steps
// still running (after a crash), then the goroutines, channels and
// listeners of [Kit.Stats]. First it ends the spans of the goroutines and
// requests still running, marked walkthrough.still_running, from the same
// snapshot as the counts (see endStillRunning).
func (k *Kit) writeSummary(ending Ending) {
	k.ending.Lock()
	defer k.ending.Unlock()
	k.summarized = true
	k.mu.Lock() // one snapshot: the counts, the steps and the spans still running agree
	st := k.statsLocked()
	steps := k.openStepsLocked()
	running := k.reg.stillRunning()
	k.mu.Unlock()
	endStillRunning(running)
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
	for name, n := range st.Counts {
		span.SetAttributes(attribute.Int(countKey(name), n))
	}
	for _, o := range steps {
		k.addEvent(span, EventStillOpen,
			attribute.String(StillOpenKindKey, "step"),
			attribute.String(StillOpenNameKey, o.function),
			attribute.String(StillOpenDetailKey, "still running: its span is not in the trace"),
			attribute.String(StillOpenSpanIDKey, o.id.String()))
	}
	for _, o := range st.Open {
		attrs := []attribute.KeyValue{
			attribute.String(StillOpenKindKey, o.Kind),
			attribute.String(StillOpenNameKey, o.Name),
			attribute.String(StillOpenDetailKey, o.Detail)}
		if o.NeverStopped != "" {
			attrs = append(attrs, attribute.String(StillOpenNeverKey, o.NeverStopped))
		}
		if o.SpanID != "" {
			attrs = append(attrs, attribute.String(StillOpenSpanIDKey, o.SpanID))
		}
		if o.Owner != "" {
			attrs = append(attrs, attribute.String(StillOpenOwnerKey, o.Owner))
		}
		k.addEvent(span, EventStillOpen, attrs...)
	}
	k.summariseRequests(span)
	span.End()
}

// summariseRequests records on the summary span how many requests had a
// span, and the counts and latencies of those that had none.
func (k *Kit) summariseRequests(span oteltrace.Span) {
	rc := k.Requests()
	span.SetAttributes(
		attribute.Int(RequestsRecordedKey, rc.Recorded),
		attribute.Int(RequestsUnrecordedKey, rc.Unrecorded),
		attribute.Int(RequestSpansLimitKey, rc.Limit),
		attribute.Int(GoroutinesUnrecordedKey, rc.Goroutines))
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, g := range rc.Groups {
		k.addEvent(span, EventRequestsCounted,
			semconv.HTTPRequestMethodKey.String(g.Method),
			semconv.URLPath(g.Path),
			semconv.HTTPResponseStatusCode(g.Status),
			attribute.Int(RequestsCountKey, g.Count),
			attribute.Float64(LatencyP50Key, ms(g.P50)),
			attribute.Float64(LatencyP90Key, ms(g.P90)),
			attribute.Float64(LatencyP99Key, ms(g.P99)),
			attribute.Float64(LatencyMaxKey, ms(g.Max)))
	}
}

// openStepsLocked returns the step spans that have not ended, in the order
// they started. k.mu must be held.
func (k *Kit) openStepsLocked() []openStep {
	steps := make([]openStep, 0, len(k.reg.steps))
	for _, s := range k.reg.steps {
		steps = append(steps, s)
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].n < steps[j].n })
	return steps
}
