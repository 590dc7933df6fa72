package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// checkCascade checks the shutdown cascade of a run that served ports
// ports, in the order the kit recorded it (walkthrough.event.seq), each
// link paired with the one before through the channel's chan.seq or the
// listener's port:
//
//	stopCh closed, once
//	for each port (a listener.open on port P):
//	  its NonBlockingRun goroutine receives stopCh and closes its
//	    internalStopCh (chan.seq X), once
//	  its RunServer goroutine receives X and closes the listener on P, once
//	  its serve goroutine logs "Stopped listening on …:P", once
//
// Each event must come after the one it follows from, and each listener
// close after its open. The ports shut down concurrently, so their links
// may interleave; and a port may open after stopCh closed (a signal during
// startup), which closes it as soon as it is served.
func checkCascade(tr *kittest.Trace, ports int) error {
	evs := tr.Events()
	find := func(match func(kittest.Event) bool) []kittest.Event {
		var out []kittest.Event
		for _, e := range evs {
			if match(e) {
				out = append(out, e)
			}
		}
		return out
	}
	one := func(what string, es []kittest.Event) (kittest.Event, error) {
		if len(es) != 1 {
			return kittest.Event{}, fmt.Errorf("%s: %d events; want exactly one", what, len(es))
		}
		return es[0], nil
	}
	before := func(a, b kittest.Event) error {
		if a.Seq == 0 || b.Seq == 0 || a.Seq >= b.Seq {
			return fmt.Errorf("%s (seq %d, %s) does not come before %s (seq %d, %s)", a, a.Seq, a.Span, b, b.Seq, b.Span)
		}
		return nil
	}
	named := func(name string, attrs map[string]string) func(kittest.Event) bool {
		return func(e kittest.Event) bool {
			if e.Name != name {
				return false
			}
			for k, v := range attrs {
				if e.Attrs[k] != v {
					return false
				}
			}
			return true
		}
	}

	stop, err := one("close of stopCh", find(named(trace.EventChanClose, map[string]string{trace.ChanNameKey: "stopCh"})))
	if err != nil {
		return err
	}
	stopSeq := stop.Attrs[trace.ChanIDKey]
	opens := find(named(trace.EventListenerOpen, nil))
	if len(opens) != ports {
		return fmt.Errorf("%d listeners opened; want %d", len(opens), ports)
	}
	var errs []error
	for _, open := range opens {
		port := open.Attrs[string(semconv.NetworkLocalPortKey)]
		err := func() error {
			closeLn, err := one("close of the listener on port "+port,
				find(named(trace.EventListenerClose, map[string]string{string(semconv.NetworkLocalPortKey): port})))
			if err != nil {
				return err
			}
			// The goroutine that closed the listener woke on its stop
			// channel: that receive names the channel, X.
			wake, err := one("receive before the close of the listener on port "+port, find(func(e kittest.Event) bool {
				return e.SpanID == closeLn.SpanID && e.Name == trace.EventChanRecv
			}))
			if err != nil {
				return err
			}
			x := wake.Attrs[trace.ChanIDKey]
			closeX, err := one(fmt.Sprintf("close of internalStopCh (chan.seq %s) of port %s", x, port),
				find(named(trace.EventChanClose, map[string]string{trace.ChanIDKey: x})))
			if err != nil {
				return err
			}
			if closeX.Attrs[trace.ChanNameKey] != "internalStopCh" {
				return fmt.Errorf("port %s's listener closed on %s; want internalStopCh", port, closeX.Attrs[trace.ChanNameKey])
			}
			// The goroutine that closed X woke on stopCh.
			forward, err := one("receive of stopCh before the close of internalStopCh "+x, find(func(e kittest.Event) bool {
				return e.SpanID == closeX.SpanID && e.Name == trace.EventChanRecv && e.Attrs[trace.ChanIDKey] == stopSeq
			}))
			if err != nil {
				return err
			}
			stopped, err := one("\"Stopped listening\" of port "+port, find(func(e kittest.Event) bool {
				return strings.HasPrefix(e.Name, "Stopped listening on ") && strings.HasSuffix(e.Name, ":"+port)
			}))
			if err != nil {
				return err
			}
			return errors.Join(before(stop, forward), before(forward, closeX),
				before(closeX, wake), before(wake, closeLn), before(open, closeLn), before(closeLn, stopped))
		}()
		if err != nil {
			errs = append(errs, fmt.Errorf("port %s: %w", port, err))
		}
	}
	return errors.Join(errs...)
}

// TestCheckCascadeFindsWhatIsWrong runs checkCascade on a good cascade and
// on broken ones: each must fail it, naming what is wrong.
func TestCheckCascadeFindsWhatIsWrong(t *testing.T) {
	good := func() []kittest.Event {
		return []kittest.Event{
			ev("listener.open", "RunServer", port("8080")),
			ev("chan.close", "signal handler", ch("stopCh", "1")),
			ev("chan.recv", "forwarder", ch("stopCh", "1")),
			ev("chan.close", "forwarder", ch("internalStopCh", "2")),
			ev("chan.recv", "closer", ch("internalStopCh", "2")),
			ev("listener.close", "closer", port("8080")),
			ev("Stopped listening on 127.0.0.1:8080", "serve", nil),
		}
	}
	tests := []struct {
		name   string
		change func([]kittest.Event) []kittest.Event
		want   string // "" for no error
	}{
		{"good", func(e []kittest.Event) []kittest.Event { return e }, ""},
		{"stopCh closed twice", func(e []kittest.Event) []kittest.Event {
			return append(e, ev("chan.close", "signal handler", ch("stopCh", "1")))
		}, "close of stopCh: 2 events"},
		{"internalStopCh closed twice", func(e []kittest.Event) []kittest.Event {
			return append(e, ev("chan.close", "forwarder", ch("internalStopCh", "2")))
		}, "close of internalStopCh (chan.seq 2) of port 8080: 2 events"},
		{"no listener close", func(e []kittest.Event) []kittest.Event { return append(e[:5], e[6]) },
			"close of the listener on port 8080: 0 events"},
		{"listener closed before internalStopCh", func(e []kittest.Event) []kittest.Event {
			return []kittest.Event{e[0], e[1], e[2], e[5], e[3], e[4], e[6]}
		}, "does not come before"},
		{"the listener woke on another channel", func(e []kittest.Event) []kittest.Event {
			e[4] = ev("chan.recv", "closer", ch("internalStopCh", "3"))
			return e
		}, "(chan.seq 3) of port 8080: 0 events"},
		{"two Stopped listening", func(e []kittest.Event) []kittest.Event {
			return append(e, ev("Stopped listening on 127.0.0.1:8080", "serve", nil))
		}, "2 events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCascade(traceOf(tt.change(good())), 1)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkCascade = %v; want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("checkCascade = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// ev returns an event recorded on the span named span, with attrs.
func ev(name, span string, attrs map[string]string) kittest.Event {
	return kittest.Event{Name: name, Span: span, SpanID: span, Attrs: attrs}
}

func ch(name, seq string) map[string]string {
	return map[string]string{trace.ChanNameKey: name, trace.ChanIDKey: seq}
}

func port(p string) map[string]string {
	return map[string]string{string(semconv.NetworkLocalPortKey): p}
}

// traceOf numbers events in the order given, as the kit would, and
// returns them as a trace of one span each.
func traceOf(events []kittest.Event) *kittest.Trace {
	tr := &kittest.Trace{}
	for i, e := range events {
		e.Seq = int64(i + 1)
		tr.Spans = append(tr.Spans, kittest.Span{Name: e.Span, ID: e.SpanID, Events: []kittest.Event{e}})
	}
	return tr
}

// isTourWatchResult reports whether e is about the result channel of the
// tour's watch of namespaces: the watch cache's cacheWatcher's, or,
// without the watch cache, the storage's watchChan's. Not the informers'
// watches (services, endpoints, APIServices), which end with stopCh, nor
// the watch cache's own watch of the storage, which v1.7 never stops
// (its span, in neverStopped, is ended as still running at the end).
func isTourWatchResult(e kittest.Event, neverStopped map[string]bool) bool {
	owner := e.Attrs[trace.ChanOwnerKey]
	return !neverStopped[e.SpanID] &&
		(e.Attrs[trace.ChanNameKey] == "result" && strings.HasPrefix(owner, "cacheWatcher.process /namespaces") ||
			e.Attrs[trace.ChanNameKey] == "resultChan" && strings.HasPrefix(owner, "watchChan.run /registry/namespaces/"))
}

// checkWatchOutlivesCascade checks the tour's watch against v1.7: its
// result channel is made once, before stopCh closes, and closed once,
// after every listener closed and every serve goroutine logged "Stopped
// listening", and after the tour hung up: stopCh does not end a watch,
// its client going away does.
func checkWatchOutlivesCascade(tr *kittest.Trace) error {
	neverStopped := map[string]bool{}
	for _, sp := range tr.Spans {
		if sp.Attr(trace.NeverStoppedKey) != "" {
			neverStopped[sp.ID] = true
		}
	}
	var makes, closes, stops, listenerCloses, stopped, hangUps []kittest.Event
	for _, e := range tr.Events() {
		switch {
		case e.Name == trace.EventChanMake && isTourWatchResult(e, neverStopped):
			makes = append(makes, e)
		case e.Name == trace.EventChanClose && isTourWatchResult(e, neverStopped):
			closes = append(closes, e)
		case e.Name == trace.EventChanClose && e.Attrs[trace.ChanNameKey] == "stopCh":
			stops = append(stops, e)
		case e.Name == trace.EventListenerClose:
			listenerCloses = append(listenerCloses, e)
		case strings.HasPrefix(e.Name, "Stopped listening on "):
			stopped = append(stopped, e)
		case strings.HasPrefix(e.Name, "tour: Run has returned and the watch is still open"):
			hangUps = append(hangUps, e)
		}
	}
	if len(makes) != 1 || len(closes) != 1 || len(stops) != 1 || len(hangUps) != 1 {
		return fmt.Errorf("watch: %d makes and %d closes of its result channel, %d closes of stopCh, %d hang-ups; want one each",
			len(makes), len(closes), len(stops), len(hangUps))
	}
	if makes[0].Attrs[trace.ChanIDKey] != closes[0].Attrs[trace.ChanIDKey] {
		return errors.New("watch: the result channel closed is not the one made")
	}
	if makes[0].Seq >= stops[0].Seq {
		return errors.New("watch: opened after stopCh closed; want it open before the cascade")
	}
	for _, e := range append(append(listenerCloses, stopped...), hangUps...) {
		if e.Seq >= closes[0].Seq {
			return fmt.Errorf("watch: result channel closed (seq %d) before %s (seq %d); want the watch to outlive the cascade",
				closes[0].Seq, e, e.Seq)
		}
	}
	return nil
}
