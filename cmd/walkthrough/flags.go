package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/rs/zerolog"
	"github.com/spf13/pflag"
)

// walkthroughFlags are the flags of the walkthrough itself, beside
// kube-apiserver's.
type walkthroughFlags struct {
	Serve         bool
	FreePorts     bool
	TraceFile     string
	TraceRequests bool
	// TraceRequestsMax bounds the request spans of a run; 0: no bound.
	TraceRequestsMax int
	TraceHTML        string
	Until            string
	Step             bool
	LogFormat        string
	LogLevel         string
	Verbose          bool
	Help             bool
	// Lang is the language of the narration; empty: the locale's.
	Lang string
	// Era is the Kubernetes release to run: v1.7, v1.9 or modern.
	Era string
}

func newWalkthroughFlags() *walkthroughFlags {
	return &walkthroughFlags{
		TraceFile:        "walkthrough-trace.json",
		TraceRequests:    true,
		TraceRequestsMax: 1000,
		LogFormat:        "console",
		LogLevel:         "info",
		Era:              "v1.7",
	}
}

// AddFlags adds the walkthrough's flags to fs, in the option group
// "walkthrough", bound to f's fields. Their defaults are always
// newWalkthroughFlags', whatever f holds already (the early parse of the
// kit's flags fills f first), so that --help shows the real defaults.
func (f *walkthroughFlags) AddFlags(fs *pflag.FlagSet) {
	d := newWalkthroughFlags()
	g := pflag.NewFlagSet("walkthrough", pflag.ContinueOnError)
	g.StringVar(&f.Era, "era", d.Era, "The Kubernetes release to run: v1.7, v1.9 (CreateServerChain, Shutdown, pre-shutdown hooks) "+
		"or modern (kubernetes-1.36.0's generic server: lifecycle signals, /readyz, drains; no insecure port).")
	g.BoolVar(&f.Serve, "serve", d.Serve, "Keep serving until SIGINT or SIGTERM instead of taking the tour.")
	g.BoolVar(&f.FreePorts, "free-ports", d.FreePorts, "Listen on ports the system picks instead of --insecure-port and --secure-port; the log names them.")
	g.StringVar(&f.TraceFile, "trace-file", d.TraceFile, "Write the trace to this file; empty turns tracing off.")
	g.BoolVar(&f.TraceRequests, "trace-requests", d.TraceRequests, "Record a span for every HTTP request.")
	g.IntVar(&f.TraceRequestsMax, "trace-requests-max", d.TraceRequestsMax,
		"Record spans for this many requests at most (0: no limit); the rest are counted, by path and status, with their latency.")
	g.StringVar(&f.Until, "until", d.Until, "Pause after this step (e.g. kubeserver.NonBlockingRun) or chapter (e.g. runserver) and show what is alive.")
	g.BoolVar(&f.Step, "step", d.Step, "Pause before every step and explain it (needs a terminal on stdin).")
	g.StringVar(&f.TraceHTML, "trace-html", d.TraceHTML, "At the end of the run, also write the trace as an HTML timeline page to this file.")
	g.StringVar(&f.LogFormat, "log-format", d.LogFormat, "Log format: console or json.")
	g.StringVar(&f.LogLevel, "log-level", d.LogLevel, "Lowest level logged: debug, info, warn or error.")
	g.BoolVarP(&f.Verbose, "verbose", "v", d.Verbose, "Log at debug level; the same as --log-level=debug.")
	g.StringVar(&f.Lang, "lang", d.Lang, "Language of the narration: "+strings.Join(lang.Names(), " or ")+
		" (default: from LC_ALL, LC_MESSAGES or LANG; upstream's own log messages stay in English).")
	g.BoolVarP(&f.Help, "help", "h", d.Help, "Print this help and exit.")
	g.VisitAll(func(fl *pflag.Flag) {
		fl.Annotations = map[string][]string{options.GroupAnnotation: {"walkthrough"}}
	})
	fs.AddFlagSet(g)
}

var logLevels = map[string]zerolog.Level{
	"debug": zerolog.DebugLevel, "info": zerolog.InfoLevel,
	"warn": zerolog.WarnLevel, "error": zerolog.ErrorLevel,
}

// level returns the log level asked for, or an error naming the value and
// the allowed ones.
func (f *walkthroughFlags) level() (zerolog.Level, error) {
	if f.Verbose {
		return zerolog.DebugLevel, nil
	}
	l, ok := logLevels[f.LogLevel]
	if !ok {
		return 0, lang.Errorf("--log-level %s: allowed: debug, info, warn, error", f.LogLevel)
	}
	return l, nil
}

func (f *walkthroughFlags) validate() []error {
	var errs []error
	if f.LogFormat != "console" && f.LogFormat != "json" {
		errs = append(errs, lang.Errorf("--log-format %s: allowed: console, json", f.LogFormat))
	}
	if _, err := f.level(); err != nil {
		errs = append(errs, err)
	}
	if f.TraceRequestsMax < 0 {
		errs = append(errs, lang.Errorf("--trace-requests-max %d: allowed: 0 (no limit) or more", f.TraceRequestsMax))
	}
	if f.TraceHTML != "" && f.TraceFile == "" {
		errs = append(errs, lang.Errorf("--trace-html %s: needs a trace: give --trace-file too", f.TraceHTML))
	}
	return errs
}

// language returns the language --lang names, or the locale's when it
// names none; an unknown name is an error naming the known ones.
func (f *walkthroughFlags) language() (lang.Lang, error) {
	if f.Lang == "" {
		return lang.FromEnv(os.Getenv), nil
	}
	return lang.Parse(f.Lang)
}

// noColor reports whether console logs must be plain: when w is not a
// terminal or NO_COLOR is set.
func noColor(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return true
	}
	f, ok := w.(*os.File)
	if !ok {
		return true
	}
	st, err := f.Stat()
	return err != nil || st.Mode()&os.ModeCharDevice == 0
}

// printHelp writes the usage and the flags group by group, walkthrough
// first, as modern kube-apiserver groups its help.
func printHelp(w io.Writer, fs *pflag.FlagSet, l lang.Lang) {
	fmt.Fprint(w, l.Say("Usage: walkthrough [flags]\n\n"+
		"Walkthrough starts a miniature kube-apiserver (v1.7) and narrates its startup and shutdown.\n"))
	var groups []string
	byGroup := map[string]*pflag.FlagSet{}
	fs.VisitAll(func(fl *pflag.Flag) {
		g := fl.Annotations[options.GroupAnnotation][0]
		if byGroup[g] == nil {
			groups = append(groups, g)
			byGroup[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
		}
		byGroup[g].AddFlag(fl)
	})
	if i := slices.Index(groups, "walkthrough"); i > 0 {
		groups = append([]string{"walkthrough"}, slices.Delete(groups, i, i+1)...)
	}
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s\n\n%s", l.Sayf("%s flags:", capitalize(g)), byGroup[g].FlagUsages())
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// printBreaks lists the faults --break can inject (--break=help).
func printBreaks(w io.Writer, l lang.Lang) {
	fmt.Fprint(w, l.Say("Faults for --break, each explained in a chapter of the book (docs/<chapter>.md):\n\n"))
	for _, f := range options.Faults {
		fmt.Fprintf(w, "  %-14s %s\n", f.Name, l.Sayf("%s (chapter %s)", l.Say(f.Teaches), f.Chapter))
	}
}
