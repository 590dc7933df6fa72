package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// step is a step of a tour, and what it does: what --step explains
// before it, in English (lang.N).
type step struct{ function, does string }

// The steps of a v1.7 tour, in the order they first start; the other
// eras' are in experiments_eras.go.
var stepOrder = []step{
	{"main.main", lang.N("main builds the options, registers their flags, parses the command line and calls app.Run.")},
	{"options.NewServerRunOptions", lang.N("NewServerRunOptions fills every option group with upstream's defaults.")},
	{"options.ServerRunOptions.AddFlags", lang.N("AddFlags registers a flag for every option, group by group.")},
	{"server.SetupSignalHandler", lang.N("SetupSignalHandler makes stopCh and starts the goroutine that closes it on the first SIGINT or SIGTERM.")},
	{"app.Run", lang.N("app.Run logs the version and calls every startup step in upstream's order.")},
	{"app.CreateNodeDialer", lang.N("CreateNodeDialer decides how the API server reaches nodes: an SSH tunneler, or a direct transport.")},
	{"app.CreateKubeAPIServerConfig", lang.N("CreateKubeAPIServerConfig defaults, validates and applies the options: the generic config, a certificate, the service IP range.")},
	{"app.BuildStorageFactory", lang.N("BuildStorageFactory says where each resource is stored (etcd, or memory) and how: its key prefix and its encoding.")},
	{"storage.NewCacherFromConfig", lang.N("NewCacherFromConfig puts a watch cache in front of a resource's storage and starts its reflector, which v1.7 never stops.")},
	{"app.createAPIExtensionsConfig", lang.N("createAPIExtensionsConfig copies the generic config for the apiextensions server.")},
	{"app.createAPIExtensionsServer", lang.N("createAPIExtensionsServer builds the innermost server, on EmptyDelegate.")},
	{"app.CreateKubeAPIServer", lang.N("CreateKubeAPIServer builds kube-apiserver, delegating to apiextensions.")},
	{"server.GenericAPIServer.PrepareRun", lang.N("PrepareRun installs /healthz with every check of the chain.")},
	{"app.createAggregatorConfig", lang.N("createAggregatorConfig copies the generic config for the aggregator.")},
	{"app.createAggregatorServer", lang.N("createAggregatorServer builds the outermost server, delegating to kube-apiserver.")},
	{"kubeserver.BuildInsecureHandlerChain", lang.N("BuildInsecureHandlerChain wraps the aggregator's Director in the insecure port's filters.")},
	{"kubeserver.NonBlockingRun", lang.N("NonBlockingRun makes internalStopCh, serves the insecure port, and starts the goroutine that closes internalStopCh once stopCh closes.")},
	{"kubeserver.serveInsecurely", lang.N("serveInsecurely builds the plain HTTP server and calls RunServer.")},
	{"server.RunServer", lang.N("RunServer listens, starts the goroutine that closes the listener on its stop channel and the one that serves, and returns the port.")},
	{"server.preparedGenericAPIServer.Run", lang.N("Run serves the secure port through NonBlockingRun, then blocks on stopCh.")},
	{"server.preparedGenericAPIServer.NonBlockingRun", lang.N("The generic NonBlockingRun makes its own internalStopCh, serves the secure port, and starts its forwarding goroutine.")},
	{"server.GenericAPIServer.serveSecurely", lang.N("serveSecurely builds the HTTPS server (TLS 1.2 at least) and calls RunServer.")},
}

// chapterEnds maps each chapter to the step --until CHAPTER stops after:
// the step whose end finishes what the chapter is about.
var chapterEnds = map[string]string{
	"options":        "server.SetupSignalHandler",
	"nodedialer":     "app.CreateNodeDialer",
	"config":         "app.CreateKubeAPIServerConfig",
	"apiextensions":  "app.createAPIExtensionsServer",
	"kubeapiserver":  "app.CreateKubeAPIServer",
	"storage":        "app.CreateKubeAPIServer",
	"aggregator":     "app.createAggregatorServer",
	"nonblockingrun": "kubeserver.NonBlockingRun",
	"runserver":      "server.RunServer",
	"preparerun":     "server.preparedGenericAPIServer.NonBlockingRun",
}

// hookFunctions maps each post-start hook the walkthrough runs to the
// upstream function it is: --until HOOK stops when that hook has
// returned and its goroutine ends.
var hookFunctions = map[string]string{
	"generic-apiserver-start-informers":      "server.completedConfig.New.func2",
	"start-apiextensions-informers":          "apiserver.completedConfig.New.func1",
	"bootstrap-controller":                   "master.Controller.PostStartHook",
	"start-kube-apiserver-informers":         "app.CreateKubeAPIServer.func1",
	"start-kube-aggregator-informers":        "apiserver.completedConfig.NewWithDelegate.func1",
	"apiservice-registration-controller":     "apiserver.completedConfig.NewWithDelegate.func2",
	"apiservice-status-available-controller": "apiserver.completedConfig.NewWithDelegate.func3",
	"kube-apiserver-autoregistration":        "app.createAggregatorServer.func1",
}

// untilStep returns the step function --until names, in era: a step
// itself, the last step of a chapter, or a post-start hook's function. It
// fails with the valid names.
func untilStep(era server.Era, name string) (string, error) {
	steps := stepsOf(era)
	if end, ok := steps.chapterEnds[name]; ok {
		return end, nil
	}
	if function, ok := hookFunctions[name]; ok {
		return function, nil
	}
	if slices.ContainsFunc(steps.order, func(s step) bool { return s.function == name }) {
		return name, nil
	}
	var functions []string
	for _, s := range steps.order {
		functions = append(functions, s.function)
	}
	chapters := slices.Sorted(maps.Keys(steps.chapterEnds))
	hooks := slices.Sorted(maps.Keys(hookFunctions))
	return "", lang.Errorf("--until %s: not a step, a chapter or a post-start hook; steps: %s; chapters: %s; hooks: %s",
		name, strings.Join(functions, ", "), strings.Join(chapters, ", "), strings.Join(hooks, ", "))
}

// newStepper returns the pauses --until and --step ask for, speaking l,
// or nil when they ask for none. An unknown --until, or --step without a
// terminal, is an error.
func newStepper(wf *walkthroughFlags, env runEnv, l lang.Lang) (*stepper, error) {
	if wf.Until == "" && !wf.Step {
		return nil, nil
	}
	if wf.Step && !env.terminal {
		return nil, lang.Errorf("--step: needs a terminal on stdin, to wait for Enter before each step")
	}
	era, err := wf.era()
	if err != nil {
		return nil, err
	}
	p := &stepper{step: wf.Step, in: bufio.NewReader(env.stdin), out: env.stdout, signals: env.signals, lang: l, steps: stepsOf(era),
		passed: make(chan struct{}), serve: wf.Serve}
	if wf.Until != "" {
		until, err := untilStep(era, wf.Until)
		if err != nil {
			return nil, err
		}
		p.until = until
		p.untilHook = slices.Contains(slices.Collect(maps.Values(hookFunctions)), until)
	}
	return p, nil
}

// stepper pauses the startup for --until and --step: it is the kit's
// Pause hook, so it runs in the goroutine of the step it stops.
type stepper struct {
	until   string // the step function to stop after, or ""
	step    bool   // stop before every step
	in      *bufio.Reader
	out     io.Writer
	kit     *trace.Kit
	signals chan<- os.Signal
	lang    lang.Lang
	steps   eraSteps // the run's era's

	mu   sync.Mutex
	done bool // q was pressed: pause no more

	// passed is closed once the --until pause is over (or q was pressed):
	// when --until names a hook, the tour waits for it, so that a pause in
	// a hook's goroutine, which does not hold the startup up, holds the
	// tour's requests. (A step's pause holds the startup itself.)
	passed     chan struct{}
	passedOnce sync.Once
	serve      bool        // --serve: no tour, so q sends SIGINT itself
	untilHook  bool        // --until names a post-start hook (until is cleared once it paused)
	quit       atomic.Bool // q was pressed; the tour sends SIGINT
}

// untilPassed returns a channel closed once the --until pause is over.
func (p *stepper) untilPassed() <-chan struct{} { return p.passed }

// pause is the kit's Pause hook.
func (p *stepper) pause(up trace.Upstream, ended bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.done:
		return
	case p.step && !ended:
		fmt.Fprint(p.out, p.lang.Sayf("\n▸ next: %s\n  %s\n  upstream: https://github.com/kubernetes/kubernetes/blob/%s/%s\n  read: docs/%s.md\n",
			up.Function, p.lang.Say(p.steps.does(up.Function)), up.Ref, up.File, up.Chapter))
		p.prompt(p.lang.Say("Enter runs it; q shuts down: "))
	case ended && up.Function == p.until:
		p.until = "" // once: RunServer runs twice
		fmt.Fprint(p.out, p.lang.Sayf("\n■ paused after %s\n", up.Function))
		printState(p.out, p.lang, settled(p.kit))
		if then := p.steps.thenAfter[up.Function]; then != "" {
			fmt.Fprint(p.out, p.lang.Sayf("  next: %s\n", p.lang.Say(then)))
		} else if slices.Contains(slices.Collect(maps.Values(hookFunctions)), up.Function) {
			fmt.Fprint(p.out, p.lang.Sayf("  next: %s\n", p.lang.Say(thenAfterHook)))
		}
		p.prompt(p.lang.Say("Enter continues; q shuts down through the normal cascade: "))
		p.passedOnce.Do(func() { close(p.passed) })
	}
}

// prompt waits for a line. q (or the end of the input) stops pausing and
// sends SIGINT, as Ctrl-C would, so the run shuts down from here.
func (p *stepper) prompt(question string) {
	fmt.Fprint(p.out, question)
	line, err := p.in.ReadString('\n')
	if err == nil && strings.TrimSpace(line) != "q" {
		return
	}
	p.done = true
	p.passedOnce.Do(func() { close(p.passed) })
	if p.serve {
		fmt.Fprintln(p.out, p.lang.Say("\nshutting down: sending SIGINT"))
		p.signals <- os.Interrupt
		return
	}
	// A signal now would close stopCh before the post-start hooks ran,
	// and the bootstrap controller's first repair would find the secure
	// port closed and end the process, as upstream's would. The tour
	// sends it once the servers are up.
	fmt.Fprintln(p.out, p.lang.Say("\nshutting down: the tour sends SIGINT once the servers are up"))
	p.quit.Store(true)
}

// quitting reports whether q was pressed (not in --serve mode): the tour
// then sends SIGINT as soon as the servers are up, instead of its
// requests.
func (p *stepper) quitting() bool { return p.quit.Load() }

// does is what function does, as --step explains it.
func (e eraSteps) does(function string) string {
	for _, s := range e.order {
		if s.function == function {
			return s.does
		}
	}
	return ""
}

// thenAfter says what happens after each step --until CHAPTER stops at.
var thenAfter = map[string]string{
	"server.SetupSignalHandler":     lang.N("app.Run logs the version and starts the walk."),
	"app.CreateNodeDialer":          lang.N("CreateKubeAPIServerConfig turns the options into configuration."),
	"app.CreateKubeAPIServerConfig": lang.N("the apiextensions server is built, on EmptyDelegate."),
	"app.createAPIExtensionsServer": lang.N("CreateKubeAPIServer builds kube-apiserver on it."),
	"app.CreateKubeAPIServer": lang.N("kube-apiserver's PrepareRun, then the aggregator " +
		"(or, with KUBE_API_VERSIONS, the insecure port straight away)."),
	"app.createAggregatorServer":                     lang.N("BuildInsecureHandlerChain and NonBlockingRun open the insecure port."),
	"kubeserver.NonBlockingRun":                      lang.N("the aggregator's PrepareRun().Run opens the secure port."),
	"server.RunServer":                               lang.N("back in NonBlockingRun, the forwarding goroutine starts; the secure port comes next."),
	"server.preparedGenericAPIServer.NonBlockingRun": lang.N("the post-start hooks run, each in its goroutine; Run blocks on stopCh until something closes it."),
}

// thenAfterHook says what happens after a post-start hook --until stops at.
var thenAfterHook = lang.N("the hook's goroutine ends; the other hooks run on, and /healthz answers ok once every one is done.")

// settleWait bounds how long a pause waits for the goroutines to settle.
const settleWait = 5 * time.Second

// settled returns the kit's state once every goroutine the kit started
// has reached a point where it blocks — a channel operation, a select,
// network I/O, a sleep — so that each goroutine that announces what it
// waits on has done so; or the state after settleWait, if one never
// blocks. (A goroutine that sleeps before it announces a wait would count
// as settled too early; none of the walkthrough's does.)
func settled(k *trace.Kit) trace.Stats {
	for deadline := time.Now().Add(settleWait); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if kitGoroutinesBlocked() {
			break
		}
	}
	return k.Stats()
}

// blockedStates are the states of a goroutine, as the runtime's stack
// dump names them, in which it waits for something outside itself.
// Locks are left out: the kit's own lock is taken on the way to
// announcing a wait.
var blockedStates = []string{"chan receive", "chan send", "select", "IO wait", "sleep",
	"chan receive (nil chan)", "chan send (nil chan)", "select (no cases)", "sync.WaitGroup.Wait", "sync.Cond.Wait"}

// kitGoroutinesBlocked reports whether every goroutine that trace.Go
// started, other than the caller, is blocked, as the runtime's dump of
// all goroutines says.
func kitGoroutinesBlocked() bool {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	// Each goroutine is a paragraph, "goroutine 7 [chan receive, 2 minutes]:"
	// first; the caller's comes first of all.
	for _, g := range strings.Split(string(buf), "\n\n")[1:] {
		if !strings.Contains(g, "\ncreated by github.com/kubewalk/kubewalk/trace.Go") {
			continue
		}
		_, state, _ := strings.Cut(g, "[")
		state, _, _ = strings.Cut(state, "]")
		state, _, _ = strings.Cut(state, ",") // drop how long it has waited
		if !slices.Contains(blockedStates, state) {
			return false
		}
	}
	return true
}

// printState writes the live state, in l: goroutines and what they wait
// on, channels not closed and who will close them, listeners open.
func printState(w io.Writer, l lang.Lang, st trace.Stats) {
	fmt.Fprint(w, l.Sayf("  steps run: %d; goroutines %d started, %d ended; channels %d made, %d closed; listeners %d opened, %d closed\n",
		st.Steps, st.GoroutinesStarted, st.GoroutinesEnded, st.ChansMade, st.ChansClosed, st.ListenersOpened, st.ListenersClosed))
	rest, never := splitOpen(st.Open)
	if len(rest) == 0 {
		fmt.Fprintln(w, l.Say("  alive: nothing"))
	} else {
		fmt.Fprintln(w, l.Say("  alive:"))
	}
	for _, o := range rest {
		fmt.Fprintf(w, "    %-9s %s (%s)\n", o.Kind, o.Name, o.Detail)
	}
	if len(never) > 0 {
		fmt.Fprintln(w, l.Say("  alive, and upstream never ends them:"))
		printNeverEnded(w, l, never)
	}
}
