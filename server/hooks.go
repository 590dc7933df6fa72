package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/trace"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
)

// PostStartHookFunc is a function the server runs, in a goroutine of its
// own, once it serves. Upstream asks every hook to cope with several API
// servers starting at once and racing each other, with work a crash left
// half done, and with clients that arrive before the hook has finished:
// a hook is a small, privileged controller that runs inside the server.
//
// ctx carries the trace kit and the hook goroutine's span; a hook starts
// with trace.Mirroring(ctx, …), naming the upstream function it is.
// Returning an error ends the process (see [GenericAPIServer.RunPostStartHooks]).
type PostStartHookFunc func(ctx context.Context, hookContext PostStartHookContext) error

// PostStartHookContext is what every hook is given.
type PostStartHookContext struct {
	// LoopbackClientConfig is a config for a privileged client of this
	// server, from inside the process.
	LoopbackClientConfig *rest.Config
	// StopCh is closed when the server stops.
	StopCh <-chan struct{}
}

// The trace's counters of hooks: started by RunPostStartHooks, and done
// (returned nil).
const (
	CountHooksStarted = "poststarthooks.started"
	CountHooksDone    = "poststarthooks.done"
)

var upstreamRunPostStartHook = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/hooks.go", Ref: "v1.7.0", Chapter: "hooks",
}.Func("server.runPostStartHook")

// postStartHookEntry is a registered hook and the channel closed when it
// has returned nil.
type postStartHookEntry struct {
	hook PostStartHookFunc
	done chan struct{}
}

// AddPostStartHook registers hook under name, to be run by
// RunPostStartHooks, and adds the health check poststarthook/<name>,
// which fails until the hook has returned nil. It fails, with upstream's
// messages, when name is empty, already registered, or the hooks have
// already run. A nil hook, or a name in the Config's
// DisabledPostStartHooks, is ignored without an error. The hook is
// registered even when /healthz is already installed; it then has no
// health check, as upstream (which ignores that error).
func (s *GenericAPIServer) AddPostStartHook(ctx context.Context, name string, hook PostStartHookFunc) error {
	if len(name) == 0 {
		return fmt.Errorf("missing name")
	}
	if hook == nil {
		return nil
	}
	if s.disabledPostStartHooks.Has(name) {
		return nil
	}

	s.postStartHookLock.Lock()
	defer s.postStartHookLock.Unlock()
	if s.postStartHooksCalled {
		return fmt.Errorf("unable to add %q because PostStartHooks have already been called", name)
	}
	if _, exists := s.postStartHooks[name]; exists {
		return fmt.Errorf("unable to add %q because it is already registered", name)
	}

	// done is closed when the hook has finished; the health check reads it.
	done := trace.Make(ctx, make(chan struct{}), "done", runPostStartHookName(name))
	_ = s.AddHealthzChecks(postStartHookHealthz{name: "poststarthook/" + name, done: done})
	s.postStartHooks[name] = postStartHookEntry{hook: hook, done: done}
	return nil
}

// RunPostStartHooks starts every registered hook, its delegates' too, each
// in a goroutine of its own (named "runPostStartHook: <name>"), in no
// particular order, and returns without waiting for them. Every hook is
// given this server's LoopbackClientConfig and stopCh. Later
// AddPostStartHook calls fail.
//
// A hook goroutine ends when its hook returns. If the hook returned nil it
// first closes the hook's done channel, which turns poststarthook/<name>
// healthy. If it returned an error, the process exits with status 255
// after logging "PostStartHook <name> failed: <error>" (upstream's
// glog.Fatalf). If it panicked, the panic is logged and the process
// crashes (upstream's HandleCrash panics again). Goroutines a hook starts
// are the hook's to end.
func (s *GenericAPIServer) RunPostStartHooks(ctx context.Context, stopCh <-chan struct{}) {
	s.postStartHookLock.Lock()
	defer s.postStartHookLock.Unlock()
	s.postStartHooksCalled = true

	hookContext := PostStartHookContext{
		LoopbackClientConfig: s.LoopbackClientConfig,
		StopCh:               stopCh,
	}
	// Counted all at once, so that the counts never say every hook is
	// done while some are still to start.
	trace.Count(ctx, CountHooksStarted, len(s.postStartHooks))
	// --8<-- [start:run]
	for hookName, hookEntry := range s.postStartHooks {
		trace.Go(ctx, runPostStartHookName(hookName), func(ctx context.Context) {
			trace.Mirroring(ctx, upstreamRunPostStartHook) // until the hook names itself
			runPostStartHook(ctx, hookName, hookEntry, hookContext)
		})
	}
	// --8<-- [end:run]
}

func runPostStartHookName(name string) string { return "runPostStartHook: " + name }

// isHookRegistered reports whether a hook named name is registered.
func (s *GenericAPIServer) isHookRegistered(name string) bool {
	s.postStartHookLock.Lock()
	defer s.postStartHookLock.Unlock()
	_, exists := s.postStartHooks[name]
	return exists
}

// runPostStartHook runs one hook in its goroutine: see RunPostStartHooks.
func runPostStartHook(ctx context.Context, name string, entry postStartHookEntry, hookContext PostStartHookContext) {
	// --8<-- [start:runone]
	var err error
	func() {
		// Upstream's comment says this keeps a hook from *accidentally*
		// killing the server; but HandleCrash logs the panic and then
		// panics again, so a panicking hook still crashes the process.
		defer utilruntime.HandleCrash()
		err = entry.hook(ctx, hookContext)
	}()
	// A hook that returns an error means to end the server: let it.
	if err != nil {
		trace.Fatalf(ctx, "PostStartHook %q failed: %v", name, err)
	}
	trace.Close(ctx, entry.done)
	// --8<-- [end:runone]
	trace.Count(ctx, CountHooksDone, 1)
}

// PostStartHooks returns a copy of the registered hooks: this server's
// and those New copied from its delegate. Each entry shares its done
// channel with the original, so a copy turns healthy with it.
func (s *GenericAPIServer) PostStartHooks() map[string]postStartHookEntry {
	s.postStartHookLock.Lock()
	defer s.postStartHookLock.Unlock()
	hooks := make(map[string]postStartHookEntry, len(s.postStartHooks))
	for name, entry := range s.postStartHooks {
		hooks[name] = entry
	}
	return hooks
}

// PostStartHookState is a hook's name and where it is (ours, for
// /debug/walkthrough): "registered" until the hooks run, then "running",
// then "done" once it returned nil.
type PostStartHookState struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// PostStartHookStates returns the state of every registered hook, by name.
func (s *GenericAPIServer) PostStartHookStates() []PostStartHookState {
	s.postStartHookLock.Lock()
	defer s.postStartHookLock.Unlock()
	states := []PostStartHookState{}
	for name, entry := range s.postStartHooks {
		state := "registered"
		switch {
		case isClosed(entry.done):
			state = "done"
		case s.postStartHooksCalled:
			state = "running"
		}
		states = append(states, PostStartHookState{Name: name, State: state})
	}
	slices.SortFunc(states, func(a, b PostStartHookState) int { return cmp.Compare(a.Name, b.Name) })
	return states
}

// isClosed reports whether done is closed, without waiting.
func isClosed(done <-chan struct{}) bool {
	// A plain select: a poll, not a wait the trace should show.
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// postStartHookHealthz is the health check of one hook: it fails with
// "not finished" until the hook's done channel is closed.
type postStartHookHealthz struct {
	name string
	done chan struct{}
}

var _ healthz.HealthzChecker = postStartHookHealthz{}

func (h postStartHookHealthz) Name() string { return h.name }

var hookNotFinished = errors.New("not finished") //lint:ignore ST1012 upstream's name

func (h postStartHookHealthz) Check(*http.Request) error {
	if isClosed(h.done) {
		return nil
	}
	return hookNotFinished
}

// PreShutdownHookFunc is a function the server runs when it is told to
// stop, before it waits for the requests in flight (from v1.9): its
// return ends Run with an error. ctx carries the trace kit.
type PreShutdownHookFunc func(ctx context.Context) error

// preShutdownHookEntry is a registered pre-shutdown hook.
type preShutdownHookEntry struct {
	hook PreShutdownHookFunc
}

var upstreamRunPreShutdownHooks = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/hooks.go", Ref: "v1.9.0", Chapter: "then-and-now",
}.Func("server.GenericAPIServer.RunPreShutdownHooks")

// AddPreShutdownHook registers hook under name, to be run by
// RunPreShutdownHooks (v1.9 and later). It fails, with upstream's
// messages, when name is empty, already registered, or the hooks have
// already run; a nil hook is ignored.
func (s *GenericAPIServer) AddPreShutdownHook(name string, hook PreShutdownHookFunc) error {
	if len(name) == 0 {
		return fmt.Errorf("missing name")
	}
	if hook == nil {
		return nil
	}
	s.preShutdownHookLock.Lock()
	defer s.preShutdownHookLock.Unlock()
	if s.preShutdownHooksCalled {
		return fmt.Errorf("unable to add %q because PreShutdownHooks have already been called", name)
	}
	if _, exists := s.preShutdownHooks[name]; exists {
		return fmt.Errorf("unable to add %q because it is already registered", name)
	}
	s.preShutdownHooks[name] = preShutdownHookEntry{hook: hook}
	return nil
}

// RunPreShutdownHooks runs every pre-shutdown hook, its delegates' too,
// one after the other in the calling goroutine, in no particular order,
// and returns their errors joined, each as `PreShutdownHook "<name>"
// failed: <error>`. A hook that panics is logged and the process crashes
// (upstream's HandleCrash). Later AddPreShutdownHook calls fail.
func (s *GenericAPIServer) RunPreShutdownHooks(ctx context.Context) (err error) {
	ctx, end := trace.Step(ctx, s.era.in(upstreamRunPreShutdownHooks))
	defer end(&err)
	s.preShutdownHookLock.Lock()
	defer s.preShutdownHookLock.Unlock()
	s.preShutdownHooksCalled = true

	var errs []error
	for name, entry := range s.preShutdownHooks {
		if err := runPreShutdownHook(ctx, name, entry); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func runPreShutdownHook(ctx context.Context, name string, entry preShutdownHookEntry) error {
	var err error
	func() {
		defer utilruntime.HandleCrash()
		err = entry.hook(ctx)
	}()
	if err != nil {
		return fmt.Errorf("PreShutdownHook %q failed: %v", name, err)
	}
	return nil
}

// PreShutdownHooks returns a copy of the registered pre-shutdown hooks:
// this server's and those New copied from its delegate.
func (s *GenericAPIServer) PreShutdownHooks() map[string]preShutdownHookEntry {
	s.preShutdownHookLock.Lock()
	defer s.preShutdownHookLock.Unlock()
	hooks := make(map[string]preShutdownHookEntry, len(s.preShutdownHooks))
	for name, entry := range s.preShutdownHooks {
		hooks[name] = entry
	}
	return hooks
}

// takeOverFromLaterEras takes over, in New, what later eras hand on
// along the chain besides v1.7's hooks and checks: the delegate's
// pre-shutdown hooks (v1.9), and, for modern, its health checks on
// /livez and /readyz too, as modern's AddHealthChecks adds them.
func (s *GenericAPIServer) takeOverFromLaterEras(delegationTarget DelegationTarget) {
	for k, v := range delegationTarget.PreShutdownHooks() {
		s.preShutdownHooks[k] = v
	}
	if s.era != EraModern {
		return
	}
	has := func(checks []healthz.HealthzChecker, name string) bool {
		return slices.ContainsFunc(checks, func(c healthz.HealthzChecker) bool { return c.Name() == name })
	}
	for _, c := range delegationTarget.HealthzChecks() {
		if !has(s.livezChecks, c.Name()) {
			s.livezChecks = append(s.livezChecks, c)
		}
		if !has(s.readyzChecks, c.Name()) {
			s.readyzChecks = append(s.readyzChecks, c)
		}
	}
}
