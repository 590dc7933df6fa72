package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/kubewalk/kubewalk/trace/view"
	"github.com/spf13/pflag"
)

// version is the walkthrough's own version, recorded as service.version.
const version = "0.1.0"

// exitWait bounds how long run waits for the goroutines of a finished run.
const exitWait = 5 * time.Second

// runEnv is the world run works in: main passes the process's, tests
// their own.
type runEnv struct {
	stdout, stderr io.Writer
	// stdin is where --until and --step read their answers; terminal says
	// whether it is a terminal, as --step requires.
	stdin    io.Reader
	terminal bool
	// signals is the channel SIGINT and SIGTERM arrive on.
	signals chan os.Signal
	// insecure and secure, when not nil, are listeners already bound that
	// are served instead of --insecure-port and --secure-port (tests).
	insecure, secure net.Listener
	// etcdPreflight, when not 0, is how long the run waits for etcd
	// before it gives up, instead of v1.7's minute (tests).
	etcdPreflight time.Duration
	// stopNeverStopped, for tests that run the walkthrough in their own
	// process, stops what upstream never stops once the trace is written,
	// as the process's exit would.
	stopNeverStopped bool
}

// run is main without the process: it takes the arguments and the
// environment, and returns the exit code. 0: the run ended cleanly; 1: a
// step failed, or the options are invalid; 2: the command line does not
// parse.
func run(ctx context.Context, args []string, env runEnv) int {
	stdout, stderr := env.stdout, env.stderr
	wf := newWalkthroughFlags()
	// The kit's own flags are read first, so the kit exists before the
	// first step; the full parse below reports any error in them.
	early := pflag.NewFlagSet("walkthrough", pflag.ContinueOnError)
	early.ParseErrorsAllowlist.UnknownFlags = true
	early.SetOutput(io.Discard)
	wf.AddFlags(early)
	_ = early.Parse(args)
	l, err := wf.language()
	if err != nil {
		fmt.Fprintf(stderr, "walkthrough: %v\n", err)
		return 2
	}
	era, err := wf.era()
	if err != nil {
		fmt.Fprintf(stderr, "walkthrough: %s\n", l.Error(err))
		return 2
	}

	pauses, err := newStepper(wf, env, l)
	if err != nil {
		fmt.Fprintf(stderr, "walkthrough: %s\n", l.Error(err))
		return 2
	}
	level, _ := wf.level()
	cfg := trace.Config{
		TraceFile: wf.TraceFile, Requests: wf.TraceRequests, MaxRequestSpans: wf.TraceRequestsMax, Version: version, Era: era.String(),
		Log: stderr, LogFormat: logFormatOr(wf.LogFormat), LogLevel: level,
		NoColor: noColor(stderr), Timestamps: true, Lang: l,
	}
	if pauses != nil {
		cfg.Pause = pauses.pause
	}
	kit, err := trace.Setup(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "walkthrough: %s\n", l.Sayf("--trace-file %s: %v (want a writable file in an existing directory, or --trace-file= for no trace)",
			wf.TraceFile, errors.Unwrap(err)))
		return 1
	}
	ctx = kit.Context(ctx)
	if pauses != nil {
		pauses.kit = kit
	}
	if env.stopNeverStopped {
		defer stopNeverStopped(kit)
	}
	start := time.Now()
	code, ending := runSteps(ctx, kit, args, wf, env, era, pauses)
	if ending == "" {
		kit.Discard() // nothing ran: leave nothing behind
		return code
	}
	printSummary(stdout, l, kit.Stats(), kit.Requests(), ending, time.Since(start), wf.TraceFile)
	if env.stopNeverStopped {
		defer stopNeverStopped(kit)
	}
	if err := kit.Shutdown(context.Background(), ending); err != nil {
		fmt.Fprintf(stderr, "walkthrough: %s\n", l.Sayf("writing the trace: %v", err))
		return 1
	}
	if wf.TraceHTML != "" {
		if err := writeHTML(wf.TraceFile, wf.TraceHTML, l); err != nil {
			fmt.Fprintf(stderr, "walkthrough: --trace-html %s: %v\n", wf.TraceHTML, err)
			return 1
		}
		fmt.Fprintln(stdout, l.Sayf("  page:       %s (open it in a browser)", wf.TraceHTML))
	}
	return code
}

// stopNeverStopped is the test-only end of what upstream never stops: it
// stops those goroutines, waits for them, and closes the connections
// they leave idle, as the process's exit would.
func stopNeverStopped(kit *trace.Kit) {
	kit.StopNeverStopped()
	waitCtx, cancel := context.WithTimeout(context.Background(), exitWait)
	defer cancel()
	_ = kit.Wait(waitCtx)
	kit.CloseIdleConnections()
}

// writeHTML renders the trace file as the timeline page traceview
// --format html writes, requests included.
func writeHTML(traceFile, page string, l lang.Lang) error {
	in, err := os.Open(traceFile)
	if err != nil {
		return err
	}
	defer in.Close()
	t, err := view.Read(in)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := view.HTML(&b, t, view.Options{Requests: true, Lang: l}); err != nil {
		return err
	}
	f, err := trace.CreateFile(page)
	if err != nil {
		return err
	}
	_, err = f.Write(b.Bytes())
	return errors.Join(err, f.Close())
}

// logFormatOr keeps an unknown --log-format from failing the early setup;
// the full parse reports it.
func logFormatOr(f string) string {
	if f == "json" {
		return f
	}
	return "console"
}

// runSteps mirrors kube-apiserver's main: options, flags, the signal
// handler, app.Run. It returns the exit code and how the run ended, or an
// empty ending when it stopped before the signal handler was set up.
func runSteps(ctx context.Context, kit *trace.Kit, args []string, wf *walkthroughFlags, env runEnv, era server.Era, pauses *stepper) (code int, ending trace.Ending) {
	stdout, stderr, l := env.stdout, env.stderr, lang.From(ctx)
	eraMain := eraMains[era]
	ctx, end := trace.Step(ctx, eraMain.main)
	var err error
	defer func() { end(&err) }()

	// --8<-- [start:main]
	s := options.NewServerRunOptions(ctx)
	s.SetEra(era) // ours: the flags of --era's release
	fs := pflag.NewFlagSet("walkthrough", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.SetOutput(io.Discard)
	wf.AddFlags(fs)
	s.AddFlags(ctx, fs)
	if err = fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "walkthrough: %s\n%s\n", removedFlag(ctx, era, err), l.Say("Run 'walkthrough --help' for usage."))
		return 2, ""
	}
	// --8<-- [end:main]
	if era != server.EraModern {
		s.InsecureServing.Listener = env.insecure
	} else if env.insecure != nil {
		env.insecure.Close() // modern has no insecure port
	}
	s.SecureServing.Listener = env.secure
	s.EtcdPreflightTimeout = env.etcdPreflight
	if wf.Help {
		printHelp(stdout, fs, l)
		return 0, ""
	}
	if s.Break.Name == options.BreakHelp {
		printBreaks(stdout, l)
		return 0, ""
	}
	var token string // the tour's credential for the secure port (tour_eras.go)
	if !wf.Serve {
		tourDefaults(ctx, s, func(flag string) bool { return fs.Changed(flag) })
		var cleanup func()
		if token, cleanup, err = tourCredential(ctx, s); err != nil {
			fmt.Fprintf(stderr, "walkthrough: %s\n", l.Sayf("tour: the token file: %v", err))
			return 1, ""
		}
		defer cleanup()
	}
	if errs := append(wf.validate(), s.Validate()...); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintf(stderr, "walkthrough: %s\n", l.Error(e))
		}
		err = errors.Join(errs...)
		return 1, ""
	}

	if wf.FreePorts {
		closeAll, perr := listenOnFreePorts(ctx, s)
		if perr != nil {
			fmt.Fprintf(stderr, "walkthrough: %s\n", l.Error(perr))
			err = perr
			return 1, ""
		}
		defer closeAll()
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	struck, release, outage, err := injectFault(runCtx, s)
	if err != nil {
		fmt.Fprintf(stderr, "walkthrough: --break=%s: %s\n", s.Break.Name, l.Error(err))
		return 1, "" // nothing ran yet
	}
	defer release()
	// --8<-- [start:run]
	stopCh := eraMain.setupSignalHandler(runCtx, env.signals) // server.SetupSignalHandler in v1.7
	tour := startTour(runCtx, s, wf.Serve, wf.Until == "" && !wf.Step, env.signals, struck, token, outage, pauses)
	err = eraMain.run(ctx, s, stopCh) // app.Run in v1.7 (eras.go)
	// --8<-- [end:run]
	cancel() // ends the signal handler's goroutine, and the tour if Run failed
	waitCtx, stop := context.WithTimeout(context.Background(), exitWait)
	defer stop()
	if werr := kit.Wait(waitCtx); werr != nil {
		trace.Log(ctx).Error().Int("still running", len(kit.Stats().Open)).
			Msg(l.Sayf("goroutines did not end within %s", exitWait))
		noteOpenWatches(ctx, kit)
	}
	// The loopback client's connections would end with the process; a
	// run inside a test's process ends them itself.
	kit.CloseIdleConnections()
	if err != nil {
		kit.EndLog() // the error is the last line: the watch caches, which run on, log nothing after it
		fmt.Fprintf(stderr, "%v\n", err)
		return 1, trace.EndError
	}
	if tour.failedIt() {
		kit.EndLog()
		fmt.Fprintln(stderr, "walkthrough: "+l.Say("the tour could not reach the servers; see the log above"))
		return 1, trace.EndError
	}
	if tour.stoppedIt() {
		return 0, trace.EndNormal
	}
	return 0, trace.EndSignal
}

// noteOpenWatches says why watches are still open when the process ends:
// in v1.7 nothing stops a watch at shutdown.
func noteOpenWatches(ctx context.Context, kit *trace.Kit) {
	for _, o := range kit.Stats().Open {
		if isClientWatch(o) {
			trace.Log(ctx).Warn().Str("goroutine", o.Name).
				Str(trace.LogNoteKey, lang.Say(ctx, "as in v1.7: stopCh closes only the listeners, and a watch ends on its client, "+
					"its timeout or its storage; upstream's process exits and cuts it (modern kube-apiserver drains watches first)")).
				Msg(lang.Say(ctx, "a watch is still open as the process ends"))
		}
	}
}
