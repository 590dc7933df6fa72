package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/kubewalk/kubewalk/trace/view"
	"github.com/spf13/pflag"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// renderers are the formats --format accepts.
var renderers = map[string]func(io.Writer, *view.Trace, view.Options) error{
	"text": view.Text, "mermaid": view.Mermaid, "html": view.HTML,
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "diff" {
		return runDiff(args[1:], stdout, stderr)
	}
	fs := pflag.NewFlagSet("traceview", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "Output format: text, mermaid or html (one self-contained page).")
	output := fs.StringP("output", "o", "", "Write to this file instead of standard output.")
	var o view.Options
	fs.StringVar(&o.Chapter, "chapter", "", "Show only the steps of this chapter (e.g. runserver) and their goroutines.")
	fs.BoolVar(&o.Logs, "logs", false, "Show log lines too.")
	requests := fs.Bool("requests", true, "Show request spans and their goroutines (text and html formats only).")
	fs.BoolVar(&o.All, "all", false, "List every request and every goroutine started for one; by default the text format counts them.")
	help := fs.BoolP("help", "h", false, "Print this help and exit.")
	l, err := parseFlags(fs, args)
	if err != nil {
		fmt.Fprintf(stderr, "traceview: %s\n%s\n", l.Error(err), l.Say("Run 'traceview --help' for usage."))
		return 2
	}
	o.Lang = l
	if *help {
		fmt.Fprintf(stdout, "%s\n\n%s", l.Say("Usage: traceview [flags] [file]  (default file: walkthrough-trace.json)"), fs.FlagUsages())
		return 0
	}
	render := renderers[*format]
	if render == nil || fs.NArg() > 1 {
		fmt.Fprintf(stderr, "traceview: %s\n", l.Sayf("--format %s with %d files: want text, mermaid or html, and at most one file", *format, fs.NArg()))
		return 2
	}
	o.Requests = *requests && *format != "mermaid"
	path := "walkthrough-trace.json"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}

	t, err := readFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "traceview: %s: %s\n", path, l.Error(err))
		return 1
	}
	if *output == "" {
		err = render(stdout, t, o)
	} else {
		err = writeFile(*output, t, o, render)
	}
	if err != nil {
		fmt.Fprintf(stderr, "traceview: %s\n", l.Sayf("writing: %v", err))
		return 1
	}
	return 0
}

// writeFile renders into memory first, so that a failed rendering leaves
// no half-written file behind.
func writeFile(path string, t *view.Trace, o view.Options, render func(io.Writer, *view.Trace, view.Options) error) error {
	var b bytes.Buffer
	if err := render(&b, t, o); err != nil {
		return err
	}
	return writeBytes(path, b.Bytes())
}

// writeBytes writes b to a new file at path (0600, not through a symlink).
func writeBytes(path string, b []byte) error {
	f, err := trace.CreateFile(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return errors.Join(err, f.Close())
}

func readFile(path string) (*view.Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, lang.Errorf("no such file (run go run ./cmd/walkthrough first, or name a trace file)")
		}
		return nil, err
	}
	defer f.Close()
	return view.Read(f)
}

// parseFlags adds --lang to fs and parses args. It returns the language
// to speak in, --lang's or else the environment's, and the first error: a
// bad flag or an unknown language.
func parseFlags(fs *pflag.FlagSet, args []string) (lang.Lang, error) {
	language := fs.String("lang", "", "Language of the labels: "+strings.Join(lang.Names(), " or ")+
		" (default: from LC_ALL, LC_MESSAGES or LANG); what a trace recorded is shown as recorded.")
	err := fs.Parse(args)
	l := lang.FromEnv(os.Getenv)
	if err == nil && *language != "" {
		l, err = lang.Parse(*language)
	}
	return l, err
}
