package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFreePorts runs the tour with --free-ports and no listeners from the
// test: the walkthrough binds ports the system picks, names them in the
// log, and serves exactly those.
func TestFreePorts(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--free-ports", "--log-format=json", "--trace-file", filepath.Join(t.TempDir(), "t.json")},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	if code != 0 {
		t.Fatalf("exit %d; want 0:\n%s", code, stderr.String())
	}
	log := stderr.String()
	picked := regexp.MustCompile(`"insecure":"(127\.0\.0\.1:\d+)","secure":"(127\.0\.0\.1:\d+)".*"message":"--free-ports: listening on ports the system picked"`).FindStringSubmatch(log)
	if picked == nil {
		t.Fatalf("the log names no free ports:\n%s", log)
	}
	for _, want := range []string{"Serving insecurely on " + picked[1], "Serving securely on " + picked[2]} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, ":8080") || strings.Contains(log, ":6443") {
		t.Error("the run used a default port")
	}
}

func TestFreePortsBadBindAddress(t *testing.T) {
	var stdout, stderr syncBuffer
	path := filepath.Join(t.TempDir(), "t.json")
	code := run(context.Background(), []string{"--free-ports", "--bind-address=192.0.2.1", "--trace-file", path},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2)})
	want := "walkthrough: --free-ports: --bind-address 192.0.2.1: listen tcp 192.0.2.1:0: bind: cannot assign requested address\n"
	if code != 1 || !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("exit %d, stderr %q; want 1 and to end with %q", code, stderr.String(), want)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a trace file was left behind: %v", err)
	}
}
