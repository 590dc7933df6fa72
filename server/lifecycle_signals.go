package server

import (
	"context"
	"sync"

	"github.com/kubewalk/kubewalk/trace"
)

// lifecycleSignal is one named event of a modern server's life (upstream's
// interface of the same name): a channel, closed once when the event
// happens. In the trace each is a channel of its upstream name, made,
// closed and waited on like any other.
type lifecycleSignal interface {
	// Signal marks the event as happened: it closes the channel, once;
	// later calls do nothing.
	Signal(ctx context.Context)
	// Signaled returns the channel, closed once the event happened.
	Signaled() <-chan struct{}
	// Name returns the event's name: the channel's name in the trace.
	Name() string
}

// lifecycleSignals are the events a modern server's shutdown goes
// through, in upstream's names (lifecycle_signals.go, since v1.22). The
// order RunWithContext signals them, and who waits for which, is in
// run_modern.go.
type lifecycleSignals struct {
	// ShutdownInitiated: stopCh is closed (the signal came). /readyz
	// fails from here on.
	ShutdownInitiated lifecycleSignal
	// AfterShutdownDelayDuration: ShutdownDelayDuration has passed since
	// ShutdownInitiated.
	AfterShutdownDelayDuration lifecycleSignal
	// PreShutdownHooksStopped: every pre-shutdown hook has returned.
	PreShutdownHooksStopped lifecycleSignal
	// NotAcceptingNewRequest: both of the above; the HTTP server is told
	// to stop, and new requests are refused from here on.
	NotAcceptingNewRequest lifecycleSignal
	// InFlightRequestsDrained: the requests in flight that are not
	// long-running have ended, and the watches too when the shutdown
	// waits for them.
	InFlightRequestsDrained lifecycleSignal
	// HTTPServerStoppedListening: the HTTP server's listener is closed.
	HTTPServerStoppedListening lifecycleSignal
	// HasBeenReady: /readyz answered 200 for the first time.
	HasBeenReady lifecycleSignal
	// MuxAndDiscoveryComplete: every path is installed.
	MuxAndDiscoveryComplete lifecycleSignal
}

// ShuttingDown returns the channel of NotAcceptingNewRequest: what the
// request handlers (a watch's, WithWatchTerminationDuringShutdown) learn
// the shutdown from.
func (s lifecycleSignals) ShuttingDown() <-chan struct{} {
	return s.NotAcceptingNewRequest.Signaled()
}

// newLifecycleSignals makes the signals, none signalled.
func newLifecycleSignals() lifecycleSignals {
	return lifecycleSignals{
		ShutdownInitiated:          newNamedChannelWrapper("ShutdownInitiated"),
		AfterShutdownDelayDuration: newNamedChannelWrapper("AfterShutdownDelayDuration"),
		PreShutdownHooksStopped:    newNamedChannelWrapper("PreShutdownHooksStopped"),
		NotAcceptingNewRequest:     newNamedChannelWrapper("NotAcceptingNewRequest"),
		InFlightRequestsDrained:    newNamedChannelWrapper("InFlightRequestsDrained"),
		HTTPServerStoppedListening: newNamedChannelWrapper("HTTPServerStoppedListening"),
		HasBeenReady:               newNamedChannelWrapper("HasBeenReady"),
		MuxAndDiscoveryComplete:    newNamedChannelWrapper("MuxAndDiscoveryComplete"),
	}
}

// record names every signal's channel in the trace, with the goroutine or
// step that signals it. NewConfig made the channels, as upstream's does,
// before any trace step could name them; RunWithContext calls record as it
// starts, where it hands each to the goroutine that closes it.
func (s lifecycleSignals) record(ctx context.Context) {
	for _, r := range []struct {
		signal lifecycleSignal
		owner  string
	}{
		{s.ShutdownInitiated, goroutineDelay},
		{s.AfterShutdownDelayDuration, goroutineDelay},
		{s.PreShutdownHooksStopped, "RunWithContext, after RunPreShutdownHooks"},
		{s.NotAcceptingNewRequest, goroutineNotAccepting},
		{s.InFlightRequestsDrained, goroutineDrained},
		{s.HTTPServerStoppedListening, goroutineStoppedListening},
		{s.HasBeenReady, "the /readyz handler, the first time it answers 200"},
		{s.MuxAndDiscoveryComplete, goroutineMuxComplete},
	} {
		w := r.signal.(*namedChannelWrapper)
		trace.Make(ctx, w.ch, w.name, r.owner)
	}
}

func newNamedChannelWrapper(name string) lifecycleSignal {
	return &namedChannelWrapper{name: name, ch: make(chan struct{})}
}

// namedChannelWrapper is upstream's lifecycleSignal: a channel closed
// once, and its name.
type namedChannelWrapper struct {
	name string
	once sync.Once
	ch   chan struct{}
}

func (e *namedChannelWrapper) Signal(ctx context.Context) {
	e.once.Do(func() { trace.Close(ctx, e.ch) })
}

func (e *namedChannelWrapper) Signaled() <-chan struct{} { return e.ch }

func (e *namedChannelWrapper) Name() string { return e.name }
