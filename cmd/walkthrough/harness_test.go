package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
)

// The tests run the walkthrough in two ways: in the test's process,
// calling run with listeners the test bound, or, where the run must end
// the process (a panic, a second signal) or receive real signals, as a
// child process: the test binary itself, which TestMain turns into the
// walkthrough when childArgsEnv is set.

// childArgsEnv holds the command line of a child walkthrough.
const childArgsEnv = "KUBEWALK_WALKTHROUGH_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		// A child process of a test: be the walkthrough, on the two
		// listeners the test bound and passed as files 3 and 4, with real
		// SIGINT and SIGTERM.
		env := runEnv{stopNeverStopped: true, stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin,
			signals: make(chan os.Signal, 2), insecure: inherited(3), secure: inherited(4)}
		os.Exit(run(context.Background(), strings.Fields(args), env))
	}
	// The narration's language comes from the locale when --lang is not
	// given: the tests expect English, whatever the locale of the machine
	// running them, unless a test sets one.
	for _, key := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		os.Unsetenv(key)
	}
	goleak.VerifyTestMain(m)
}

// inherited returns the listener a parent test passed as file fd.
func inherited(fd uintptr) net.Listener {
	ln, err := net.FileListener(os.NewFile(fd, "listener"))
	if err != nil {
		panic(err)
	}
	return ln
}

// child returns the test binary as a walkthrough run with args, serving
// two fresh loopback listeners, and the insecure one's address. The child
// is killed if it runs longer than twice kittest.Deadline, so that a run
// that hangs fails the test instead of hanging it.
func child(t *testing.T, args string) (*exec.Cmd, string) {
	t.Helper()
	return childOn(t, args, listen(t))
}

// childOn is child with the secure port served on secure, which the
// child gets a copy of and the test closes when it ends.
func childOn(t *testing.T, args string, secure net.Listener) (*exec.Cmd, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*kittest.Deadline)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+args)
	var addr string
	for _, ln := range []net.Listener{listen(t), secure} {
		ln := ln.(*net.TCPListener)
		f, err := ln.File()
		if err != nil {
			t.Fatal(err)
		}
		if addr == "" {
			addr = ln.Addr().String()
		}
		ln.Close() // the child holds its own copy
		t.Cleanup(func() { f.Close() })
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	return cmd, addr
}

// outputs is what a run wrote.
type outputs struct{ stdout, stderr string }

// runTour runs the walkthrough's tour on pre-bound listeners with args
// and returns its trace and outputs, failing the test unless it exits 0
// with a complete trace of a normal ending.
func runTour(t *testing.T, args ...string) (*kittest.Trace, outputs) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), append([]string{"--trace-file", path, "--log-format", "console"}, args...),
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	if code != 0 {
		t.Fatalf("exit code %d; want 0. Log:\n%s", code, stderr.String())
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndNormal)
	return tr, outputs{stdout.String(), stderr.String()}
}

// checkComplete fails t unless tr is the whole trace of a run that ended
// with ending (kittest's Trace.CheckComplete). Every test of an ending
// calls it.
func checkComplete(t *testing.T, tr *kittest.Trace, ending trace.Ending) {
	t.Helper()
	if err := tr.CheckComplete(ending); err != nil {
		t.Errorf("the trace is not that of a complete %q run:\n%v", ending, err)
	}
}

// listen returns a loopback listener on a free port, closed when the test
// ends if the run did not close it.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// waitFor polls b until it holds s, for at most kittest.Deadline.
func waitFor(t *testing.T, b *syncBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); !strings.Contains(b.String(), s); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for the output to say %q:\n%s", kittest.Deadline, s, b.String())
		}
	}
}

// lastLine returns the last line of s, with its newline.
func lastLine(s string) string {
	return s[strings.LastIndex(strings.TrimSuffix(s, "\n"), "\n")+1:]
}

// syncBuffer is kittest's Buffer: safe for the concurrent writes of a run
// and the reads of a test.
type syncBuffer = kittest.Buffer
