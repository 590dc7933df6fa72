package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAFaultOnTheInsecurePortNeedsIt: with the insecure port off,
// --break=listener and --break=insecure-bind have nothing to break; the
// walkthrough says so in one line, exits 1 and writes no trace.
func TestAFaultOnTheInsecurePortNeedsIt(t *testing.T) {
	for _, fault := range []string{"listener", "insecure-bind"} {
		t.Run(fault, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			code := run(context.Background(), []string{"--insecure-port=0", "--break=" + fault, "--trace-file", path},
				runEnv{stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), secure: listen(t)})
			want := "walkthrough: --break=" + fault + ": needs the insecure port, and --insecure-port is 0\n"
			if got := lastLine(stderr.String()); code != 1 || got != want {
				t.Errorf("exit %d, last line %q; want 1 and %q", code, got, want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("the trace file is there (%v); want none", err)
			}
		})
	}
}

// lastLine returns the last line of s, with its newline.
func lastLine(s string) string {
	return s[strings.LastIndex(strings.TrimSuffix(s, "\n"), "\n")+1:]
}
