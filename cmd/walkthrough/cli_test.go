package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadCommandLines(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"--no-such-flag"}, 2, "walkthrough: unknown flag: --no-such-flag\nRun 'walkthrough --help' for usage.\n"},
		{[]string{"--secure-port", "x"}, 2, `invalid argument "x" for "--secure-port"`},
		{[]string{"--secure-port", "70000"}, 1, "walkthrough: --secure-port 70000:"},
		{[]string{"--log-format", "xml"}, 1, "walkthrough: --log-format xml: allowed: console, json\n"},
		{[]string{"--break", "everything"}, 1, "walkthrough: --break everything:"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "trace.json")
			var stdout, stderr syncBuffer
			c := run(context.Background(), append(tt.args, "--trace-file", path),
				runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
			if c != tt.wantCode || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", c, stderr.String(), tt.wantCode, tt.wantErr)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a trace file was left behind: %v", err)
			}
		})
	}
}

// TestTraceFilesAreTheOwnersOnly checks that the trace and the page,
// which hold request paths and client addresses, are readable by their
// owner only, and that a symbolic link where the trace goes is refused.
func TestTraceFilesAreTheOwnersOnly(t *testing.T) {
	dir := t.TempDir()
	trace, page := filepath.Join(dir, "t.json"), filepath.Join(dir, "t.html")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", trace, "--trace-html", page},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("exit %d; want 0:\n%s", code, stderr.String())
	}
	for _, name := range []string{trace, page} {
		if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want -rw-------", name, st.Mode().Perm(), err)
		}
	}

	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	stderr = syncBuffer{}
	code = run(context.Background(), []string{"--trace-file", link}, runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --trace-file " + link + ": open " + link + ": a symbolic link, which is not followed: give the file's own path"
	if code != 1 || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the link's target now holds %q (%v); want it untouched", b, err)
	}
}

func TestTraceFileInAMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "t.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", path}, runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --trace-file " + path + ": open " + path + ": no such file or directory (want a writable file in an existing directory, or --trace-file= for no trace)\n"
	if code != 1 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
}

func TestBreakHelpListsTheFaults(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--break=help", "--trace-file", filepath.Join(t.TempDir(), "t.json")},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	for _, f := range []string{"listener", "insecure-bind", "apiextensions", "slow-request"} {
		if !strings.Contains(stdout.String(), "  "+f+" ") {
			t.Errorf("--break=help does not list %s:\n%s", f, stdout.String())
		}
	}
	if code != 0 {
		t.Errorf("exit code %d; want 0", code)
	}
}
