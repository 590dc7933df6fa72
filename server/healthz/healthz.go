package healthz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// HealthzChecker is a named health check. Check returns nil when healthy.
type HealthzChecker interface {
	Name() string
	Check(req *http.Request) error
}

// PingHealthz is the check named ping, which always passes: a server
// that answers it is at least serving.
var PingHealthz HealthzChecker = ping{}

type ping struct{}

func (ping) Name() string              { return "ping" }
func (ping) Check(*http.Request) error { return nil }

// NamedCheck returns a HealthzChecker named name that calls check.
func NamedCheck(name string, check func(r *http.Request) error) HealthzChecker {
	return &healthzCheck{name, check}
}

type healthzCheck struct {
	name  string
	check func(r *http.Request) error
}

func (c *healthzCheck) Name() string                { return c.name }
func (c *healthzCheck) Check(r *http.Request) error { return c.check(r) }

// mux is the part of a mux InstallHandler needs.
type mux interface {
	Handle(pattern string, handler http.Handler)
}

// InstallHandler registers /healthz, which runs every check, and
// /healthz/<name> for each check alone. With no checks it installs
// PingHealthz.
//
// /healthz answers 200 "ok" when all pass (with ?verbose, a [+] line per
// check and "healthz check passed"), and 500 with a [+] or [-] line per
// check and "healthz check failed" when one fails; a failing check's error
// is withheld there, because /healthz is public. /healthz/<name> answers
// 200 "ok" or 500 "internal server error: <the error>".
func InstallHandler(mux mux, checks ...HealthzChecker) {
	InstallPathHandlerWithHealthyFunc(mux, "/healthz", nil, checks...)
}

// InstallPathHandlerWithHealthyFunc is InstallHandler at path instead of
// /healthz (later eras' /livez and /readyz): its answers end "<name>
// check passed" or "<name> check failed", name being path without its
// slash. firstTimeHealthy, when not nil, is called once, the first time
// every check passes, with that request's context (modern uses it for the
// HasBeenReady signal; upstream's takes no context).
func InstallPathHandlerWithHealthyFunc(mux mux, path string, firstTimeHealthy func(context.Context), checks ...HealthzChecker) {
	if len(checks) == 0 {
		checks = []HealthzChecker{PingHealthz}
	}
	mux.Handle(path, handleRootHealthz(strings.TrimPrefix(path, "/"), firstTimeHealthy, checks...))
	for _, check := range checks {
		mux.Handle(fmt.Sprintf("%s/%v", path, check.Name()), adaptCheckToHandler(check.Check))
	}
}

// NewShutdownHealthz returns the check named shutdown, which fails with
// "process is shutting down" once stopCh is closed: modern's /readyz
// has it, fed ShutdownInitiated, and /healthz and /livez do not.
func NewShutdownHealthz(stopCh <-chan struct{}) HealthzChecker {
	return NamedCheck("shutdown", func(*http.Request) error {
		select { // a plain select: a poll, not a wait
		case <-stopCh:
			return errors.New("process is shutting down")
		default:
			return nil
		}
	})
}

func handleRootHealthz(name string, firstTimeHealthy func(context.Context), checks ...HealthzChecker) http.HandlerFunc {
	var notifyOnce sync.Once
	return func(w http.ResponseWriter, r *http.Request) {
		failed := false
		var verboseOut bytes.Buffer
		for _, check := range checks {
			if check.Check(r) != nil {
				fmt.Fprintf(&verboseOut, "[-]%v failed: reason withheld\n", check.Name())
				failed = true
			} else {
				fmt.Fprintf(&verboseOut, "[+]%v ok\n", check.Name())
			}
		}
		if failed {
			http.Error(w, fmt.Sprintf("%v%s check failed", verboseOut.String(), name), http.StatusInternalServerError)
			return
		}
		if firstTimeHealthy != nil {
			notifyOnce.Do(func() { firstTimeHealthy(r.Context()) })
		}
		if _, verbose := r.URL.Query()["verbose"]; !verbose {
			fmt.Fprint(w, "ok")
			return
		}
		verboseOut.WriteTo(w)
		fmt.Fprintf(w, "%s check passed\n", name)
	}
}

func adaptCheckToHandler(check func(r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := check(r); err != nil {
			http.Error(w, fmt.Sprintf("internal server error: %v", err), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "ok")
	}
}
