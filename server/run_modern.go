package server

import (
	"context"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"golang.org/x/time/rate"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
)

var (
	genericapiserverGoModern = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go", Ref: "v1.36.0", Chapter: "then-and-now",
	}
	upstreamRunModern                 = genericapiserverGoModern.Func("server.preparedGenericAPIServer.Run")
	upstreamRunWithContext            = genericapiserverGoModern.Func("server.preparedGenericAPIServer.RunWithContext")
	upstreamNonBlockingRunWithContext = genericapiserverGoModern.Func("server.preparedGenericAPIServer.NonBlockingRunWithContext")
)

// The goroutines RunWithContext starts, by what each does; upstream's are
// anonymous.
const (
	goroutineMuxComplete      = "RunWithContext: MuxAndDiscoveryComplete once every path is installed"
	goroutineDelay            = "RunWithContext: ShutdownInitiated on stopCh, AfterShutdownDelayDuration after the delay"
	goroutineStopHTTPServer   = "RunWithContext: stop the HTTP server"
	goroutineStoppedListening = "RunWithContext: HTTPServerStoppedListening on listenerStoppedCh"
	goroutineNotAccepting     = "RunWithContext: NotAcceptingNewRequest after the delay and the pre-shutdown hooks"
	goroutineRequestsDrain    = "RunWithContext: wait for the requests in flight"
	goroutineWatchesDrain     = "RunWithContext: wait for the active watches"
	goroutineDrained          = "RunWithContext: InFlightRequestsDrained once both drained"
)

// runModern is Run as modern has it: kept for the callers that pass a
// stopCh, such as kube-apiserver's command at the commit the walkthrough
// mirrors, it calls RunWithContext with a context done when stopCh is
// closed (upstream's wait.ContextForChannel).
func (s preparedGenericAPIServer) runModern(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamRunModern)
	defer end(&err)
	return s.RunWithContext(contextForChannel(ctx, stopCh))
}

// RunWithContext serves the secure port until ctx is done, then shuts the
// server down in the order of the lifecycle signals, and returns nil once
// the HTTP server has stopped (or a pre-shutdown hook's error). It
// returns at once with an error if the secure port cannot be served.
//
// The shutdown, with the default flags: ctx done (stopCh closed) →
// ShutdownInitiated (/readyz fails from here) → ShutdownDelayDuration →
// AfterShutdownDelayDuration; meanwhile the pre-shutdown hooks run →
// PreShutdownHooksStopped. Both → NotAcceptingNewRequest, on which the
// HTTP server is told to stop (Shutdown closes the listener →
// HTTPServerStoppedListening), and, at the same time, the requests in
// flight are waited for, and the watches when
// ShutdownWatchTerminationGracePeriod > 0 → InFlightRequestsDrained. Then
// RunWithContext waits for the listener and Shutdown to be done. With
// ShutdownSendRetryAfter the HTTP server stops only after
// InFlightRequestsDrained, with a 2s shutdown timeout.
func (s preparedGenericAPIServer) RunWithContext(ctx context.Context) (err error) {
	ctx, end := trace.Step(ctx, upstreamRunWithContext)
	defer end(&err)
	s.lifecycleSignals.record(ctx)

	// --8<-- [start:signals]
	stopCh := ctx.Done()
	delayedStopCh := s.lifecycleSignals.AfterShutdownDelayDuration
	shutdownInitiatedCh := s.lifecycleSignals.ShutdownInitiated

	// Every path is installed before the server serves: the walkthrough's
	// servers have no delegate that completes later.
	trace.Go(ctx, goroutineMuxComplete, func(ctx context.Context) {
		s.lifecycleSignals.MuxAndDiscoveryComplete.Signal(ctx)
	})

	trace.Go(ctx, goroutineDelay, func(ctx context.Context) {
		defer delayedStopCh.Signal(ctx)
		defer gracefulTermination(ctx, delayedStopCh.Name())

		trace.Recv(ctx, stopCh)

		// As soon as shutdown is initiated, /readyz should start returning failure.
		shutdownInitiatedCh.Signal(ctx)
		gracefulTermination(ctx, shutdownInitiatedCh.Name())

		s.delay(ctx)
	})
	// --8<-- [end:signals]

	// --8<-- [start:stophttp]
	shutdownTimeout := s.ShutdownTimeout
	if s.ShutdownSendRetryAfter {
		shutdownTimeout = 2 * time.Second
		trace.Log(ctx).Debug().Dur("shutdownTimeout", shutdownTimeout).
			Msg("[graceful-termination] using HTTP Server shutdown timeout")
	}

	notAcceptingNewRequestCh := s.lifecycleSignals.NotAcceptingNewRequest
	drainedCh := s.lifecycleSignals.InFlightRequestsDrained
	// Canceling ctx does not stop the HTTP server: stopHTTPServerCtx keeps
	// ctx's values, not its cancellation.
	stopHTTPServerCh := trace.Make(ctx, make(chan struct{}), "stopHTTPServerCtx", goroutineStopHTTPServer)
	stopHTTPServerCtx := contextForChannel(context.WithoutCancel(ctx), stopHTTPServerCh)
	trace.Go(ctx, goroutineStopHTTPServer, func(ctx context.Context) {
		defer trace.Close(ctx, stopHTTPServerCh) // "time to stop HTTP server"

		timeToStopHttpServerCh := notAcceptingNewRequestCh.Signaled()
		if s.ShutdownSendRetryAfter {
			timeToStopHttpServerCh = drainedCh.Signaled()
		}
		trace.Recv(ctx, timeToStopHttpServerCh)
	})

	stoppedCh, listenerStoppedCh, err := s.NonBlockingRunWithContext(stopHTTPServerCtx, shutdownTimeout)
	if err != nil {
		return err
	}

	httpServerStoppedListeningCh := s.lifecycleSignals.HTTPServerStoppedListening
	trace.Go(ctx, goroutineStoppedListening, func(ctx context.Context) {
		trace.Recv(ctx, listenerStoppedCh)
		httpServerStoppedListeningCh.Signal(ctx)
		gracefulTermination(ctx, httpServerStoppedListeningCh.Name())
	})
	// --8<-- [end:stophttp]

	s.startDrains(ctx)

	// --8<-- [start:wait]
	trace.Log(ctx).Debug().Msg("[graceful-termination] waiting for shutdown to be initiated")
	trace.Recv(ctx, stopCh)

	// run shutdown hooks directly. This includes deregistering from
	// the kubernetes endpoint in case of kube-apiserver.
	preShutdownHooksHasStoppedCh := s.lifecycleSignals.PreShutdownHooksStopped
	err = s.RunPreShutdownHooks(ctx)
	preShutdownHooksHasStoppedCh.Signal(ctx)
	trace.Log(ctx).Debug().Str("name", preShutdownHooksHasStoppedCh.Name()).
		Msg("[graceful-termination] pre-shutdown hooks completed")
	if err != nil {
		return err
	}

	// Wait for all requests in flight to drain, bounded by the RequestTimeout variable.
	trace.Recv(ctx, drainedCh.Signaled())

	// wait for stoppedCh that is closed when the graceful termination (server.Shutdown) is finished.
	trace.Recv(ctx, listenerStoppedCh)
	trace.Recv(ctx, stoppedCh)

	trace.Log(ctx).Debug().Msg("[graceful-termination] apiserver is exiting")
	return nil
	// --8<-- [end:wait]
}

// delay sleeps ShutdownDelayDuration, in the goroutine that then signals
// AfterShutdownDelayDuration: the listener stays open and requests are
// served as before, while /readyz fails.
func (s preparedGenericAPIServer) delay(ctx context.Context) {
	if s.ShutdownDelayDuration <= 0 {
		return
	}
	trace.Log(ctx).Info().Dur("shutdownDelayDuration", s.ShutdownDelayDuration).
		Str(trace.LogNoteKey, lang.Say(ctx, "the server serves as before while /readyz fails, so load balancers stop sending it traffic; /healthz and /livez still pass")).
		Msg(lang.Say(ctx, "--shutdown-delay-duration: serving on"))
	time.Sleep(s.ShutdownDelayDuration)
}

// startDrains starts the goroutines that, once NotAcceptingNewRequest is
// signalled, wait for the requests in flight that are not long-running,
// and for the active watches when ShutdownWatchTerminationGracePeriod is
// more than 0, and then signal InFlightRequestsDrained.
func (s preparedGenericAPIServer) startDrains(ctx context.Context) {
	notAcceptingNewRequestCh := s.lifecycleSignals.NotAcceptingNewRequest
	drainedCh := s.lifecycleSignals.InFlightRequestsDrained
	delayedStopCh := s.lifecycleSignals.AfterShutdownDelayDuration
	preShutdownHooksHasStoppedCh := s.lifecycleSignals.PreShutdownHooksStopped

	// --8<-- [start:drains]
	// we don't accept new request as soon as both ShutdownDelayDuration has
	// elapsed and preshutdown hooks have completed.
	trace.Go(ctx, goroutineNotAccepting, func(ctx context.Context) {
		defer gracefulTermination(ctx, notAcceptingNewRequestCh.Name())
		defer notAcceptingNewRequestCh.Signal(ctx)

		trace.Recv(ctx, delayedStopCh.Signaled())
		trace.Recv(ctx, preShutdownHooksHasStoppedCh.Signaled())
	})

	// wait for all in-flight non-long running requests to finish
	nonLongRunningRequestDrainedCh := trace.Make(ctx, make(chan struct{}), "nonLongRunningRequestDrainedCh", goroutineRequestsDrain)
	trace.Go(ctx, goroutineRequestsDrain, func(ctx context.Context) {
		defer trace.Close(ctx, nonLongRunningRequestDrainedCh)
		defer trace.Log(ctx).Debug().Msg("[graceful-termination] in-flight non long-running request(s) have drained")

		trace.Recv(ctx, notAcceptingNewRequestCh.Signaled())
		waitForRequests(ctx, s.NonLongRunningRequestWaitGroup, "NonLongRunningRequestWaitGroup")
	})

	// wait for all in-flight watches to finish
	activeWatchesDrainedCh := trace.Make(ctx, make(chan struct{}), "activeWatchesDrainedCh", goroutineWatchesDrain)
	trace.Go(ctx, goroutineWatchesDrain, func(ctx context.Context) {
		defer trace.Close(ctx, activeWatchesDrainedCh)

		trace.Recv(ctx, notAcceptingNewRequestCh.Signaled())
		s.drainWatches(ctx)
	})

	trace.Go(ctx, goroutineDrained, func(ctx context.Context) {
		defer gracefulTermination(ctx, drainedCh.Name())
		defer drainedCh.Signal(ctx)

		trace.Recv(ctx, nonLongRunningRequestDrainedCh)
		trace.Recv(ctx, activeWatchesDrainedCh)
	})
	// --8<-- [end:drains]
}

// drainWatches waits for the active watches, at most
// ShutdownWatchTerminationGracePeriod, letting them end at a limited rate
// (at least 200 a second); with a grace period of 0 it waits for none.
func (s preparedGenericAPIServer) drainWatches(ctx context.Context) {
	grace := s.ShutdownWatchTerminationGracePeriod
	if grace <= 0 {
		trace.Log(ctx).Debug().Msg("[graceful-termination] not going to wait for active watch request(s) to drain")
		return
	}
	activeBefore, activeAfter, err := s.WatchRequestWaitGroup.Wait(func(count int) (utilwaitgroup.RateLimiter, context.Context, context.CancelFunc) {
		qps := max(float64(count)/grace.Seconds(), 200)
		waitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		return rate.NewLimiter(rate.Limit(qps), 1), waitCtx, cancel
	})
	trace.Log(ctx).Debug().Dur("duration", grace).Int("activeWatchesBefore", activeBefore).
		Int("activeWatchesAfter", activeAfter).AnErr("error", err).
		Msg("[graceful-termination] active watch request(s) have drained")
}

// NonBlockingRunWithContext serves the secure port with Serve, starts a
// goroutine that closes its internalStopCh once ctx is done, runs the
// post-start hooks (their StopCh is ctx's: the hooks stop with the HTTP
// server, not at the signal) and returns without blocking: stoppedCh,
// closed once the HTTP server's Shutdown returned, and listenerStoppedCh,
// closed once it stopped listening. On a serving error it closes
// internalStopCh and returns the error, having started nothing.
func (s preparedGenericAPIServer) NonBlockingRunWithContext(ctx context.Context, shutdownTimeout time.Duration) (_, _ <-chan struct{}, err error) {
	stepCtx, end := trace.Step(ctx, upstreamNonBlockingRunWithContext)
	defer end(&err)

	// --8<-- [start:nonblockingrun]
	// Use an internal stop channel to allow cleanup of the listeners on error.
	internalStopCh := trace.Make(stepCtx, make(chan struct{}), "internalStopCh", goroutineNonBlockingRunModern)
	var stoppedCh, listenerStoppedCh <-chan struct{}
	if s.SecureServingInfo != nil && s.Handler != nil {
		stoppedCh, listenerStoppedCh, err = s.SecureServingInfo.Serve(stepCtx, s.Handler, shutdownTimeout, internalStopCh)
		if err != nil {
			trace.Close(stepCtx, internalStopCh)
			return nil, nil, err
		}
	}

	trace.Go(stepCtx, goroutineNonBlockingRunModern, func(gctx context.Context) {
		trace.Recv(gctx, ctx.Done())
		trace.Close(gctx, internalStopCh)
	})

	s.RunPostStartHooks(stepCtx, ctx.Done())
	// --8<-- [end:nonblockingrun]
	return stoppedCh, listenerStoppedCh, nil
}

const goroutineNonBlockingRunModern = "NonBlockingRunWithContext: close internalStopCh on stopHTTPServerCtx"

// gracefulTermination logs upstream's line for a lifecycle signal just
// signalled. Upstream logs it at klog V(1), which a kube-apiserver at its
// default verbosity does not print: the walkthrough logs it at debug
// level (-v shows it).
func gracefulTermination(ctx context.Context, name string) {
	trace.Log(ctx).Debug().Str("name", name).Msg("[graceful-termination] shutdown event")
}

// contextForChannel returns a context done when stopCh is closed, whose
// Done is stopCh itself, with the values of parent (ours: upstream's
// wait.ContextForChannel has no values; this one keeps the trace kit).
func contextForChannel(parent context.Context, stopCh <-chan struct{}) context.Context {
	return channelContext{Context: context.WithoutCancel(parent), stopCh: stopCh}
}

type channelContext struct {
	context.Context
	stopCh <-chan struct{}
}

func (c channelContext) Done() <-chan struct{} { return c.stopCh }

func (c channelContext) Err() error {
	select { // a plain select: a poll, not a wait
	case <-c.stopCh:
		return context.Canceled
	default:
		return nil
	}
}
