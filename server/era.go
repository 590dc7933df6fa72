package server

import (
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// An Era is the Kubernetes release whose generic API server a Config
// builds: how PrepareRun, Run and RunServer behave, which filters the
// handler chain has and in what order, and which health endpoints a
// server has. The zero value is v1.7, the walkthrough's default. The
// servers of one delegation chain share their Config's era.
//
// The code of an era is in the files named after it: run.go and serve.go
// are v1.7's, run_v19.go and serve_v19.go v1.9's, run_modern.go,
// secure_serving.go, lifecycle_signals.go and healthz_modern.go modern's.
// What did not change is shared, as upstream shares it.
type Era string

// The eras the walkthrough can run. Each mirrors k8s.io/apiserver at one
// tag, read in kubernetes/kubernetes's staging copy at the tag of the same
// release ([Era.Ref]).
const (
	EraV17    Era = "v1.7"   // kubernetes-1.7.6 / v1.7.0: RunServer listens, closing the listener stops it
	EraV19    Era = "v1.9"   // kubernetes-1.9.0 / v1.9.0: a listener given, Shutdown with a timeout, pre-shutdown hooks
	EraModern Era = "modern" // kubernetes-1.36.0 / v1.36.0: lifecycle signals, /livez and /readyz, drains
)

// Eras are the eras in the order they came.
var Eras = []Era{EraV17, EraV19, EraModern}

// ParseEra returns the era named s: v1.7, v1.9 or modern, or "" for v1.7.
func ParseEra(s string) (Era, error) {
	switch e := Era(s); e {
	case "":
		return EraV17, nil
	case EraV17, EraV19, EraModern:
		return e, nil
	}
	return "", lang.Errorf("--era %s: allowed: v1.7, v1.9, modern", s)
}

// Ref is the kubernetes/kubernetes tag of the era's generic server:
// v1.7.0, v1.9.0 or v1.36.0.
func (e Era) Ref() string {
	switch e {
	case EraV19:
		return "v1.9.0"
	case EraModern:
		return "v1.36.0"
	}
	return "v1.7.0"
}

// Since reports whether e is era o or later.
func (e Era) Since(o Era) bool { return e.index() >= o.index() }

func (e Era) index() int {
	switch e {
	case EraV19:
		return 1
	case EraModern:
		return 2
	}
	return 0
}

func (e Era) String() string {
	if e == "" {
		return string(EraV17)
	}
	return string(e)
}

// in returns up, a step whose upstream code did not change from v1.7 to
// e (such as PrepareRun in v1.9), at e's tag.
func (e Era) in(up trace.Upstream) trace.Upstream {
	up.Ref = e.Ref()
	return up
}
