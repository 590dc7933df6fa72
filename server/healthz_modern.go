package server

import (
	"context"
	"fmt"

	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var upstreamPrepareRunModern = genericapiserverGoModern.Func("server.GenericAPIServer.PrepareRun")

// prepareRunModern is PrepareRun as modern has it: it prepares the
// delegate first (so the chain's PrepareRun prepares every server,
// innermost first), then installs /healthz, /livez, the /readyz check
// shutdown, which fails once ShutdownInitiated is signalled, and /readyz,
// whose first success signals HasBeenReady. /healthz and /livez have no
// shutdown check: they pass while the server shuts down.
func (s *GenericAPIServer) prepareRunModern(ctx context.Context) preparedGenericAPIServer {
	ctx, end := trace.Step(ctx, upstreamPrepareRunModern)
	defer end(nil)

	// --8<-- [start:preparerun]
	s.delegationTarget.PrepareRun(ctx)

	s.installHealthz()
	s.installLivez()

	// as soon as shutdown is initiated, readiness should start failing
	readinessStopCh := s.lifecycleSignals.ShutdownInitiated.Signaled()
	if err := s.addReadyzShutdownCheck(readinessStopCh); err != nil {
		trace.Log(ctx).Error().Msgf("Failed to install readyz shutdown check %s", err)
	}
	s.installReadyz()
	// --8<-- [end:preparerun]

	trace.Log(ctx).Info().Str("server", s.name).Strs("healthz", names(s.healthzChecks)).Strs("readyz", names(s.readyzChecks)).
		Str(trace.LogNoteKey, lang.Say(ctx, "/readyz fails as soon as shutdown starts; /healthz and /livez do not")).
		Msg(lang.Say(ctx, "installed /healthz, /livez and /readyz"))
	return preparedGenericAPIServer{s}
}

// installLivez installs /livez with the checks added so far.
func (s *GenericAPIServer) installLivez() {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	s.livezCreated = true
	healthz.InstallPathHandlerWithHealthyFunc(s.Handler.NonGoRestfulMux, "/livez", nil, s.livezChecks...)
}

// addReadyzShutdownCheck adds the check shutdown to /readyz.
func (s *GenericAPIServer) addReadyzShutdownCheck(stopCh <-chan struct{}) error {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	if s.readyzCreated {
		return fmt.Errorf("unable to add because the readyz endpoint has already been created")
	}
	s.readyzChecks = append(s.readyzChecks, healthz.NewShutdownHealthz(stopCh))
	return nil
}

// installReadyz installs /readyz; the first time it passes, it signals
// HasBeenReady.
func (s *GenericAPIServer) installReadyz() {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	s.readyzCreated = true
	healthz.InstallPathHandlerWithHealthyFunc(s.Handler.NonGoRestfulMux, "/readyz", s.lifecycleSignals.HasBeenReady.Signal,
		s.readyzChecks...)
}

func names(checks []healthz.HealthzChecker) []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.Name()
	}
	return out
}
