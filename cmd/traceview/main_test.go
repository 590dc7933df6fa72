package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"go.uber.org/goleak"
)

// No test here may leave a goroutine behind: what the tests run must end
// everything it starts.
func TestMain(m *testing.M) {
	// The labels' language comes from the locale when --lang is not given:
	// the tests expect English, whatever the machine's locale.
	for _, key := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		os.Unsetenv(key)
	}
	goleak.VerifyTestMain(m)
}

// traceFile writes a small real trace and returns its path.
func traceFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	k, err := trace.Setup(trace.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	_, end := trace.Step(k.Context(context.Background()), trace.Upstream{Function: "app.Run", Chapter: "options"})
	end(nil)
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	return path
}

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	good := traceFile(t)
	missing := filepath.Join(t.TempDir(), "nothing.json")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // a substring
		stderrLine string // the whole of stderr, when not empty
	}{
		{"text", []string{good}, 0, "▸ app.Run", ""},
		{"mermaid", []string{"--format", "mermaid", good}, 0, "sequenceDiagram\n    participant main\n    Note over main: app.Run", ""},
		{"missing", []string{missing}, 1, "",
			"traceview: " + missing + ": no such file (run go run ./cmd/walkthrough first, or name a trace file)\n"},
		{"empty", []string{write(t, "")}, 1, "", "no spans: the file is empty\n"},
		{"truncated", []string{write(t, `{"Name":"x",`)}, 1, "", "truncated: the file ends (after 12 bytes) in the middle of object 1"},
		{"not a trace", []string{write(t, `{"hello":"world"}`)}, 1, "", "object 1 is not a span"},
		{"html", []string{"--format", "html", good}, 0, "<!DOCTYPE html>", ""},
		{"bad format", []string{"--format", "svg", good}, 2, "", "--format svg"},
		{"no output dir", []string{"--format", "html", "-o", filepath.Join(missing, "x.html"), good}, 1, "", "traceview: writing: open "},
		{"unknown flag", []string{"--colour", good}, 2, "", "unknown flag: --colour"},
		{"two files", []string{good, good}, 2, "", "at most one file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderrLine) {
				t.Errorf("run(%q) = %d\nstdout %q\nstderr %q\nwant %d, stdout with %q, stderr with %q",
					tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderrLine)
			}
			if code == 1 && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr.String())
			}
		})
	}
}

func TestRunWritesTheOutputFile(t *testing.T) {
	good := traceFile(t)
	for _, tt := range []struct{ format, want string }{
		{"html", `data-lanes="1"`},
		{"text", "▸ app.Run"},
		{"mermaid", "sequenceDiagram\n"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr bytes.Buffer
			if code := run([]string{"--format", tt.format, "-o", out, good}, &stdout, &stderr); code != 0 || stdout.Len() != 0 {
				t.Fatalf("run = %d, stdout %q, stderr %q; want 0 and nothing on stdout", code, stdout.String(), stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil || !strings.Contains(string(b), tt.want) {
				t.Errorf("%s: %v; want a file with %q", out, err, tt.want)
			}
			// The page holds request paths and client addresses.
			if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, %v; want mode -rw-------", out, st.Mode().Perm(), err)
			}
		})
	}
}

func TestRunDoesNotWriteThroughASymbolicLink(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "page.html")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--format", "html", "-o", link, traceFile(t)}, &stdout, &stderr)
	want := "traceview: writing: open " + link + ": a symbolic link, which is not followed: give the file's own path\n"
	if code != 1 || stderr.String() != want {
		t.Errorf("run = %d, stderr %q; want 1 and %q", code, stderr.String(), want)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
		t.Errorf("the link's target now holds %q (%v); want it untouched", b, err)
	}
}

// A trace that cannot be read leaves no output file behind.
func TestRunWritesNoFileForABadTrace(t *testing.T) {
	out := filepath.Join(t.TempDir(), "trace.html")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--format", "html", "--output", out, write(t, "")}, &stdout, &stderr); code != 1 {
		t.Errorf("run = %d; want 1", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed run (err %v)", out, err)
	}
}
