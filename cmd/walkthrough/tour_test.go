package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// stepFunctions are the upstream functions every tour runs, the aggregator's
// last.
var stepFunctions = []string{
	"main.main", "options.NewServerRunOptions", "options.ServerRunOptions.AddFlags",
	"server.SetupSignalHandler", "app.Run", "app.CreateNodeDialer", "app.CreateKubeAPIServerConfig",
	"app.createAPIExtensionsConfig", "app.createAPIExtensionsServer", "app.CreateKubeAPIServer",
	"kubeserver.BuildInsecureHandlerChain", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely",
	"server.RunServer", "server.GenericAPIServer.PrepareRun", "server.preparedGenericAPIServer.Run",
	"server.preparedGenericAPIServer.NonBlockingRun", "server.GenericAPIServer.serveSecurely",
	"app.createAggregatorConfig", "app.createAggregatorServer",
}

func TestTourRunsEveryStepAndShutsDownInOrder(t *testing.T) {
	tr, out := runTour(t) // a complete trace of a normal ending
	for _, fn := range stepFunctions {
		s := tr.Span(t, fn)
		for _, key := range []string{trace.UpstreamFileKey, trace.UpstreamRefKey, trace.ChapterKey, "code.function.name", "code.file.path"} {
			if s.Attr(key) == "" {
				t.Errorf("step %s has no %s", fn, key)
			}
		}
	}
	if tr.Span(t, "app.createAggregatorServer").Parent != tr.Span(t, "app.Run").ID {
		t.Error("app.createAggregatorServer is not a child of app.Run")
	}
	if err := checkCascade(tr, 2); err != nil {
		t.Error(err)
	}
	if err := checkWatchOutlivesCascade(tr); err != nil {
		t.Error(err)
	}
	for _, line := range []string{"watch event ADDED walkthrough", "watch event DELETED walkthrough", "servedBy=kube-aggregator", "servedBy=apiextensions-apiserver", "servedBy=kube-apiserver", "→ 404",
		"AnonymousAuth is not allowed with the AllowAll authorizer", "/api/v1/namespaces → 401"} {
		if !strings.Contains(out.stderr, line) {
			t.Errorf("tour log lacks %q", line)
		}
	}
	if !strings.Contains(out.stdout, "still open: nothing") {
		t.Errorf("summary does not say nothing is open:\n%s", out.stdout)
	}
}

func TestTourWithKubeAPIVersionsLeavesTheAggregatorOut(t *testing.T) {
	t.Setenv("KUBE_API_VERSIONS", "v1")
	tr, out := runTour(t)
	for _, name := range []string{"app.createAggregatorConfig", "app.createAggregatorServer"} {
		if len(tr.Named(name)) != 0 {
			t.Errorf("the trace has %s; want no aggregator step", name)
		}
	}
	if !strings.Contains(out.stderr, "KUBE_API_VERSIONS is set, not creating the aggregator") {
		t.Errorf("log does not say why the aggregator is left out:\n%s", out.stderr)
	}
	if err := checkCascade(tr, 2); err != nil {
		t.Error(err)
	}
}

func TestTourWithTheInsecurePortOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--insecure-port=0", "--trace-file", path},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), secure: listen(t)})
	if code != 0 || !strings.Contains(stderr.String(), "skipped: that port is turned off") ||
		!strings.Contains(stdout.String(), "listeners:  1 opened, 1 closed") {
		t.Errorf("exit %d; want 0, the insecure requests skipped and one listener only:\n%s", code, stdout.String())
	}
	tr := kittest.ReadFile(t, path)
	checkComplete(t, tr, trace.EndNormal)
	if err := checkCascade(tr, 1); err != nil {
		t.Error(err)
	}
}

func TestTraceHTMLWritesThePage(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"--trace-file", filepath.Join(dir, "t.json"), "--trace-html", filepath.Join(dir, "t.html")},
		runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: make(chan os.Signal, 2), insecure: listen(t), secure: listen(t)})
	page, err := os.ReadFile(filepath.Join(dir, "t.html"))
	if code != 0 || err != nil || !bytes.Contains(page, []byte("<!DOCTYPE html>")) || !bytes.Contains(page, []byte("RunServer: serve")) {
		t.Errorf("exit %d, page %d bytes, %v; want 0 and a page with the lanes", code, len(page), err)
	}
	checkComplete(t, kittest.ReadFile(t, filepath.Join(dir, "t.json")), trace.EndNormal)
}
