package server

import (
	"fmt"

	"github.com/kubewalk/kubewalk/server/healthz"
)

// AddHealthzChecks adds checks to those /healthz runs, and, in the modern
// era, /livez and /readyz too (modern's AddHealthChecks). It is an error
// once PrepareRun has installed /healthz.
func (s *GenericAPIServer) AddHealthzChecks(checks ...healthz.HealthzChecker) error {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	if s.healthzCreated {
		return fmt.Errorf("unable to add because the healthz endpoint has already been created")
	}
	s.healthzChecks = append(s.healthzChecks, checks...)
	if s.era == EraModern {
		s.livezChecks = append(s.livezChecks, checks...)
		s.readyzChecks = append(s.readyzChecks, checks...)
	}
	return nil
}

// installHealthz installs /healthz with the checks added so far; later
// AddHealthzChecks calls fail.
func (s *GenericAPIServer) installHealthz() {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	s.healthzCreated = true
	healthz.InstallHandler(s.Handler.NonGoRestfulMux, s.healthzChecks...)
}

// healthzNames returns the names of the health checks, in order.
func (s *GenericAPIServer) healthzNames() []string {
	var names []string
	for _, c := range s.HealthzChecks() {
		names = append(names, c.Name())
	}
	return names
}
