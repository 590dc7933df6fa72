package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpShowsTheRealDefaults: --help lists each flag's default, not
// the value this command line gave it, and writes nothing else.
func TestHelpShowsTheRealDefaults(t *testing.T) {
	var stdout, stderr syncBuffer
	path := filepath.Join(t.TempDir(), "mine.json")
	code := run(context.Background(), []string{"--trace-file", path, "--log-level", "warn", "--help"},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	if code != 0 || stderr.String() != "" {
		t.Errorf("exit %d, stderr %q; want 0 and nothing", code, stderr.String())
	}
	for _, want := range []string{
		"  -h, --help                     Print this help and exit.\n",
		`Write the trace to this file; empty turns tracing off. (default "walkthrough-trace.json")`,
		`Lowest level logged: debug, info, warn or error. (default "info")`,
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestBadInputIsOneLine: a command line the walkthrough refuses gets one
// line on stderr, and no narration of the steps that ran before the
// refusal.
func TestBadInputIsOneLine(t *testing.T) {
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(context.Background(), []string{"--log-format", format, "--break=bogus", "--trace-file", ""},
				runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
			want := "walkthrough: --break bogus: unknown fault; allowed: listener, insecure-bind, apiextensions, slow-request, etcd, hook, hook-panic\n"
			if code != 1 || stderr.String() != want || stdout.String() != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 1, %q and nothing", code, stderr.String(), stdout.String(), want)
			}
		})
	}
}
