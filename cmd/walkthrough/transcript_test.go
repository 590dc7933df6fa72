package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var update = flag.Bool("update", false, "rewrite the book's transcripts in docs/transcripts from this run")

// chapterSteps are the steps whose narration each chapter of the book
// shows. Only the main goroutine's is kept: its order does not depend on
// the scheduler, so a transcript is the same on every run.
var chapterSteps = map[string][]string{
	"options":        {"main.main", "options.NewServerRunOptions", "options.ServerRunOptions.AddFlags", "server.SetupSignalHandler", "app.Run"},
	"nodedialer":     {"app.CreateNodeDialer"},
	"config":         {"app.CreateKubeAPIServerConfig"},
	"apiextensions":  {"app.createAPIExtensionsConfig", "app.createAPIExtensionsServer"},
	"kubeapiserver":  {"app.CreateKubeAPIServer"},
	"aggregator":     {"app.createAggregatorConfig", "app.createAggregatorServer"},
	"runserver":      {"server.RunServer"},
	"nonblockingrun": {"kubeserver.BuildInsecureHandlerChain", "kubeserver.NonBlockingRun", "kubeserver.serveInsecurely"},
	"preparerun": {"server.GenericAPIServer.PrepareRun", "server.preparedGenericAPIServer.Run",
		"server.preparedGenericAPIServer.NonBlockingRun", "server.GenericAPIServer.serveSecurely"},
}

// transcriptDirs are where the transcripts of each language the book is
// written in go: the English book's, and the Chinese book's (docs/zh).
var transcriptDirs = map[string]string{"en": "", "zh": "zh"}

// TestBookTranscripts runs the tour in each language of the book and
// checks that the transcripts the book shows (docs/transcripts, and
// docs/transcripts/zh for the Chinese book) are what the tour prints
// today; with -update it rewrites them.
func TestBookTranscripts(t *testing.T) {
	for name, dir := range transcriptDirs {
		l, err := lang.Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { checkTranscripts(t, l, filepath.Join("..", "..", "docs", "transcripts", dir)) })
	}
}

func checkTranscripts(t *testing.T, l lang.Lang, dir string) {
	_, out := runTour(t, "--lang="+l.String())
	got := map[string]string{"tour-summary.txt": normalize(out.stdout)}
	for chapter, steps := range chapterSteps {
		got[chapter+".txt"] = mainGoroutineLines(normalize(out.stderr), steps)
	}
	got["watch.txt"] = tourWatchLines(normalize(out.stderr), l)
	code, paused, ending := experiment(t, "\n", false, "--lang="+l.String(), "--until", "nonblockingrun")
	if code != 0 || ending != string(trace.EndNormal) {
		t.Fatalf("--until nonblockingrun: exit %d, ending %q; want 0 and a normal ending:\n%s", code, ending, paused)
	}
	paused = normalize(paused)
	prompt := l.Say("Enter continues; q shuts down through the normal cascade: ")
	start, end := strings.Index(paused, "■ "), strings.Index(paused, prompt)
	if start < 0 || end < start {
		t.Fatalf("--until printed no pause:\n%s", paused)
	}
	got["until-nonblockingrun.txt"] = paused[start:end] + strings.TrimRight(prompt, " ") + "\n"
	t.Setenv("KUBE_API_VERSIONS", "v1")
	_, out = runTour(t, "--lang="+l.String())
	got["kubeapiversions.txt"] = mainGoroutineLines(normalize(out.stderr), []string{"app.Run"})
	for name, text := range got {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./cmd/walkthrough -run TestBookTranscripts -update)", err)
		}
		if string(want) != text {
			t.Errorf("%s is stale; run go test ./cmd/walkthrough -run TestBookTranscripts -update\n--- book\n%s--- tour\n%s", path, want, text)
		}
	}
}

var (
	timeOfDay = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} `)
	loopback  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	wallTime  = regexp.MustCompile(`((?:wall time:|耗时：) +)[0-9.]+[µnm]?s`)
	requests  = regexp.MustCompile(`(served with |处理时启动 goroutine )\d+( goroutines started, | 个，结束 )\d+`)
	tempTrace = regexp.MustCompile(`\S*trace\.json`)
)

// normalize takes out what differs from run to run: times of day, the
// random ports (the book shows kube-apiserver's defaults instead), the
// wall time, how many goroutines served requests (as many as the tour's
// polls of /healthz, which depend on the machine's speed) and the trace
// file's temporary path.
func normalize(s string) string {
	s = timeOfDay.ReplaceAllString(s, "")
	ports := map[string]string{}
	s = loopback.ReplaceAllStringFunc(s, func(addr string) string {
		if _, ok := ports[addr]; !ok {
			ports[addr] = []string{"127.0.0.1:8080", "127.0.0.1:6443"}[len(ports)%2]
		}
		return ports[addr]
	})
	s = wallTime.ReplaceAllString(s, "${1}4.2ms")
	s = requests.ReplaceAllString(s, "${1}80${2}80")
	return tempTrace.ReplaceAllString(s, "walkthrough-trace.json")
}

// mainGoroutineLines keeps, from the console narration, the header lines
// of the given steps and the lines under them that the main goroutine
// wrote. Lane lines ("  [name]") depend on how other goroutines' lines
// fell in between and are left out; where the main goroutine goes back to
// an enclosing step, the "  [main] step" line the console writes then is
// kept, as it does not depend on them.
func mainGoroutineLines(log string, steps []string) string {
	var b strings.Builder
	lane, step, kept := "main", "", ""
	inHeader := false
	for _, line := range strings.SplitAfter(log, "\n") {
		switch {
		case strings.HasPrefix(line, "▸ "): // ▸ step · file@ref · chapter c
			step, inHeader = strings.Fields(line)[1], true
			if lane == "main" && slices.Contains(steps, step) {
				b.WriteString(line)
				kept = step
			}
		case strings.HasPrefix(line, "  ["): // [goroutine], or [main] and the step
			name, back, _ := strings.Cut(strings.TrimSpace(line)[1:], "] ")
			lane, inHeader = strings.TrimSuffix(strings.TrimSpace(name), "]"), false
			if back != "" {
				step = strings.TrimSpace(back)
			}
		case strings.HasPrefix(line, "    "): // a line of the step, or its continuation
			inHeader = false
			if lane != "main" || !slices.Contains(steps, step) {
				continue
			}
			if step != kept {
				b.WriteString("  [main] " + step + "\n")
				kept = step
			}
			b.WriteString(line)
		case strings.HasPrefix(line, "  ") && inHeader: // the header's upstream file
			if lane == "main" && slices.Contains(steps, step) {
				b.WriteString(line)
			}
		}
	}
	return b.String()
}

// tourWatchLines returns the tour's lines about its watch, in the order
// the tour logged them (one goroutine: the order does not depend on the
// scheduler).
func tourWatchLines(log string, l lang.Lang) string {
	event, _, _ := strings.Cut(l.Say("watch event %s %s"), "%")
	hangUp := l.Say("tour: Run has returned and the watch is still open: hanging up")
	var b strings.Builder
	for _, line := range strings.Split(log, "\n") {
		s := strings.TrimSpace(line)
		if strings.Contains(s, "?watch=1") || strings.HasPrefix(s, event) ||
			strings.HasPrefix(s, "POST ") || strings.HasPrefix(s, "DELETE ") || s == hangUp {
			b.WriteString(s + "\n")
		}
	}
	return b.String()
}
