package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/kubewalk/kubewalk/trace/view"
	"github.com/spf13/pflag"
)

// diffRenderers are the formats diff --format accepts.
var diffRenderers = map[string]func(io.Writer, *view.Diff, view.Options) error{
	"text": view.DiffText, "html": view.DiffHTML,
}

// runDiff is traceview diff: it compares two trace files and returns the
// exit status.
func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("traceview diff", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "Output format: text, or html (one self-contained page with both runs).")
	output := fs.StringP("output", "o", "", "Write to this file instead of standard output.")
	var o view.Options
	fs.BoolVar(&o.Logs, "logs", false, "Show log lines too (html).")
	help := fs.BoolP("help", "h", false, "Print this help and exit.")
	l, err := parseFlags(fs, args)
	if err != nil {
		fmt.Fprintf(stderr, "traceview diff: %s\n%s\n", l.Error(err), l.Say("Run 'traceview diff --help' for usage."))
		return 2
	}
	o.Lang, o.Requests = l, true
	if *help {
		fmt.Fprintf(stdout, "%s\n\n%s", l.Say("Usage: traceview diff [flags] A.json B.json  (two walkthrough traces, such as --era=v1.7 and --era=modern)"), fs.FlagUsages())
		return 0
	}
	render := diffRenderers[*format]
	if render == nil || fs.NArg() != 2 {
		fmt.Fprintf(stderr, "traceview diff: %s\n", l.Sayf("--format %s with %d files: want text or html, and two trace files", *format, fs.NArg()))
		return 2
	}
	pathA, pathB := fs.Arg(0), fs.Arg(1)
	if same, err := sameFile(pathA, pathB); err == nil && same {
		fmt.Fprintf(stderr, "traceview diff: %s\n", l.Sayf("%s and %s are the same file: compare two runs, such as --era=v1.7 and --era=modern", pathA, pathB))
		return 1
	}
	var traces [2]*view.Trace
	for i, path := range []string{pathA, pathB} {
		if traces[i], err = readFile(path); err != nil {
			fmt.Fprintf(stderr, "traceview diff: %s: %s\n", path, l.Error(err))
			return 1
		}
	}
	d, err := view.Compare(traces[0], traces[1], l)
	if err != nil {
		fmt.Fprintf(stderr, "traceview diff: %s, %s: %s\n", pathA, pathB, l.Error(err))
		return 1
	}
	d.NameA, d.NameB = pathA, pathB
	var b bytes.Buffer
	err = render(&b, d, o)
	if err == nil && *output == "" {
		_, err = stdout.Write(b.Bytes())
	} else if err == nil {
		err = writeBytes(*output, b.Bytes())
	}
	if err != nil {
		fmt.Fprintf(stderr, "traceview diff: %s\n", l.Sayf("writing: %v", err))
		return 1
	}
	return 0
}

// sameFile reports whether a and b name the same file, through links too.
func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
