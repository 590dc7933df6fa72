package options

import (
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/trace/lang"
)

// A Fault is something the walkthrough breaks on purpose (--break=NAME) to
// show what upstream does then. The code the book quotes knows nothing of
// faults: each is injected from outside it, by the walkthrough around the
// run or by a config field a step reads.
type Fault struct {
	Name    string // the --break value
	Chapter string // the chapter of the book that explains it
	Teaches string // what the learner sees, in English (lang.N)
}

// The faults, each defined once. --break=help lists them.
var (
	BreakListener = Fault{"listener", "runserver",
		lang.N("the insecure listener closes while stopCh is open: RunServer's serve goroutine panics")}
	BreakInsecureBind = Fault{"insecure-bind", "nonblockingrun",
		lang.N("the insecure port is taken: NonBlockingRun closes internalStopCh before returning the error")}
	BreakAPIExtensions = Fault{"apiextensions", "apiextensions",
		lang.N("building the apiextensions server fails: the error travels back through Run and main, and nothing was started")}
	BreakSlowRequest = Fault{"slow-request", "runserver",
		lang.N("a request is still running when stopCh closes: closing the listener does not stop it")}
	BreakEtcd = Fault{"etcd", "storage",
		lang.N("the walkthrough runs etcd itself and kills it mid-run: writes get 504, /healthz fails, the watch waits; etcd back, all goes on")}
	BreakHook = Fault{"hook", "hooks",
		lang.N("a post-start hook returns an error: upstream logs it as fatal and the process exits 255")}
	BreakHookPanic = Fault{"hook-panic", "hooks",
		lang.N("a post-start hook panics: HandleCrash logs it and panics again, and the process crashes")}
)

// Faults are the faults --break can inject, in the order --break=help
// lists them.
var Faults = []Fault{BreakListener, BreakInsecureBind, BreakAPIExtensions, BreakSlowRequest, BreakEtcd, BreakHook, BreakHookPanic}

// BreakHelp is the --break value that lists the faults instead of running.
const BreakHelp = "help"

// String returns the fault's --break value.
func (f *Fault) String() string { return f.Name }

// Set makes f the fault named name. A name that is not one of [Faults]
// is kept, so that Validate reports it with the names allowed.
func (f *Fault) Set(name string) error {
	if i := slices.IndexFunc(Faults, func(k Fault) bool { return k.Name == name }); i >= 0 {
		*f = Faults[i]
	} else {
		*f = Fault{Name: name}
	}
	return nil
}

// Type names the flag's value in --help.
func (f *Fault) Type() string { return "fault" }

func faultNames() string {
	var names []string
	for _, f := range Faults {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}
