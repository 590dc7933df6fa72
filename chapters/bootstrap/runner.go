package bootstrap

import (
	"context"
	"sync"

	"github.com/kubewalk/kubewalk/trace"
)

// Loop is one of a Runner's functions: it loops until stop is closed.
type Loop struct {
	// Name is its goroutine's name.
	Name string
	Func func(ctx context.Context, stop chan struct{})
}

// Runner starts and stops a group of loops that share one stop channel:
// upstream's async.Runner (pkg/util/async/runner.go).
type Runner struct {
	lock  sync.Mutex
	loops []Loop
	stop  *chan struct{}
}

// NewRunner returns a runner of loops, not started.
func NewRunner(loops ...Loop) *Runner {
	return &Runner{loops: loops}
}

// Start makes the stop channel and starts one goroutine per loop, unless
// the runner runs already. The goroutines end when Stop closes the
// channel. neverStopped, when not empty, says why nothing will call Stop:
// the trace then shows the goroutines and the channel as upstream never
// ending them, and only a test stops them (trace.Kit.StopNeverStopped).
func (r *Runner) Start(ctx context.Context, neverStopped string) {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.stop != nil {
		return
	}
	c := trace.Make(ctx, make(chan struct{}), "stop", "Runner.Stop")
	r.stop = &c
	var opts []trace.GoOption
	if neverStopped != "" {
		trace.NeverClosed(ctx, c, neverStopped)
		opts = append(opts, trace.NeverStopped(neverStopped, func() { r.Stop(ctx) }))
	}
	for _, loop := range r.loops {
		trace.Go(ctx, loop.Name, func(ctx context.Context) { loop.Func(ctx, c) }, opts...)
	}
}

// Stop closes the stop channel, if the runner runs; it may be called
// more than once. (Upstream's Stop takes no context; ours records the
// close in the trace.)
func (r *Runner) Stop(ctx context.Context) {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.stop != nil {
		trace.Close(ctx, *r.stop)
		r.stop = nil
	}
}
