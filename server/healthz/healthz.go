package healthz

import (
	"bytes"
	"fmt"
	"net/http"
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
	if len(checks) == 0 {
		checks = []HealthzChecker{PingHealthz}
	}
	mux.Handle("/healthz", handleRootHealthz(checks...))
	for _, check := range checks {
		mux.Handle(fmt.Sprintf("/healthz/%v", check.Name()), adaptCheckToHandler(check.Check))
	}
}

func handleRootHealthz(checks ...HealthzChecker) http.HandlerFunc {
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
			http.Error(w, fmt.Sprintf("%vhealthz check failed", verboseOut.String()), http.StatusInternalServerError)
			return
		}
		if _, verbose := r.URL.Query()["verbose"]; !verbose {
			fmt.Fprint(w, "ok")
			return
		}
		verboseOut.WriteTo(w)
		fmt.Fprint(w, "healthz check passed\n")
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
