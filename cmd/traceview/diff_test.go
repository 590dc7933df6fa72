package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/trace/view"
)

var update = flag.Bool("update", false, "rewrite testdata/*.diff.txt from the fixtures")

// The fixtures in testdata are recorded tours, one trace per file:
//
//	go run ./cmd/walkthrough --lang=en --trace-file cmd/traceview/testdata/v1.7.json
//	for era in v1.7 v1.9 modern; do
//	  go run ./cmd/walkthrough --era=$era --break=slow-request --lang=en \
//	    --trace-file cmd/traceview/testdata/$era-slow-request.json
//	done
//
// on kube-apiserver's default ports (6443, 8080), so that v1.9's and
// modern's traces show CreateListener binding them.
//
// They stay as recorded: a diff of them must read the same on every run.
// The book shows the diffs (docs/viewing-traces.md, docs/then-and-now.md);
// after recording them again, -update rewrites the texts.
// diffs are the pairs compared, with the file that holds their text.
var diffs = []struct{ a, b, golden string }{
	{"v1.7.json", "v1.7-slow-request.json", "v1.7-vs-slow-request.diff.txt"},
	{"v1.7-slow-request.json", "v1.9-slow-request.json", "v1.7-vs-v1.9.diff.txt"},
	{"v1.9-slow-request.json", "modern-slow-request.json", "v1.9-vs-modern.diff.txt"},
	{"v1.7-slow-request.json", "modern-slow-request.json", "v1.7-vs-modern.diff.txt"},
}

func fixture(name string) string { return filepath.Join("testdata", name) }

// TestDiffText checks the text of each diff against its file in testdata;
// with -update it rewrites the file.
func TestDiffText(t *testing.T) {
	for _, d := range diffs {
		t.Run(d.golden, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"diff", fixture(d.a), fixture(d.b)}, &stdout, &stderr); code != 0 {
				t.Fatalf("diff %s %s = %d; stderr %q", d.a, d.b, code, stderr.String())
			}
			path := fixture(d.golden)
			if *update {
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/traceview -run TestDiffText -update writes it)", err)
			}
			if stdout.String() != string(want) {
				t.Errorf("diff %s %s =\n%s\nwant (%s):\n%s", d.a, d.b, stdout.String(), path, want)
			}
		})
	}
}

// The diff of a v1.7 run and the same run with a slow request in flight
// at stopCh: the request's end, cut off, is a row of B alone, after the
// listeners closed, and the rows that pair both runs keep each run's order.
func TestDiffTextShowsTheSlowRequestAfterTheListenersClosed(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", fixture("v1.7.json"), fixture("v1.7-slow-request.json")}, &stdout, &stderr); code != 0 {
		t.Fatalf("diff = %d; stderr %q", code, stderr.String())
	}
	_, shutdown, ok := strings.Cut(stdout.String(), "\nshutdown, from the close of stopCh")
	if !ok {
		t.Fatalf("no shutdown in\n%s", stdout.String())
	}
	rows := strings.Split(shutdown, "\n")
	slow := rowWith(rows, "GET /debug/walkthrough/slow → cut off ✂")
	stopped := lastIndex(rows, "Stopped listening on")
	if slow < 0 || stopped < 0 || slow < stopped {
		t.Errorf("the slow request ends on row %d and the last listener stops on row %d; want both, the request after:\n%s", slow, stopped, shutdown)
	}
	if slow >= 0 && strings.TrimSpace(rows[slow][:min(len(rows[slow]), 2+shutdownWidth)]) != "" {
		t.Errorf("the slow request's row has A's column filled: %q; want B alone", rows[slow])
	}
	if !strings.Contains(stdout.String(), "  only in B (1)\n    tour: slow request\n") {
		t.Errorf("want the tour's slow request's goroutine listed as only in B:\n%s", stdout.String())
	}
}

// --break=slow-request under v1.7 and modern: the slow request is one row,
// cut off in A and answered in B; v1.7's row of app.Run's return comes
// before its listeners close, and modern's after its last lifecycle
// signal.
func TestDiffTextShowsTheSlowRequestCutOffThenAnswered(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", fixture("v1.7-slow-request.json"), fixture("modern-slow-request.json")}, &stdout, &stderr); code != 0 {
		t.Fatalf("diff = %d; stderr %q", code, stderr.String())
	}
	_, shutdown, _ := strings.Cut(stdout.String(), "\nshutdown, from the close of stopCh")
	rows := strings.Split(shutdown, "\n")
	slow := rowWith(rows, "GET /debug/walkthrough/slow")
	if slow < 0 || !strings.Contains(rows[slow], "GET /debug/walkthrough/slow → cut off ✂") ||
		!strings.Contains(rows[slow][2+shutdownWidth:], "GET /debug/walkthrough/slow → 200") {
		t.Errorf("want one row with the slow request cut off in A and answered in B:\n%s", shutdown)
	}
	aReturns, bReturns := rowWith(rows, "app.Run returns"), lastIndex(rows, "app.Run returns")
	aClosed := rowWith(rows, "listener.close")
	if aReturns < 0 || aReturns > aClosed || bReturns != len(rows)-2 || strings.TrimSpace(rows[bReturns][:2+shutdownWidth]) != "" {
		t.Errorf("want v1.7's app.Run to return before its listeners close, and modern's last of all:\n%s", shutdown)
	}
	for _, name := range []string{"ShutdownInitiated", "NotAcceptingNewRequest", "InFlightRequestsDrained", "HTTPServerStoppedListening"} {
		if !strings.Contains(stdout.String(), "\n  only in B") || !strings.Contains(stdout.String(), "    "+name+"\n") {
			t.Errorf("the lifecycle signal %s is not listed among the channels only in B", name)
		}
	}
}

// shutdownWidth is the width of A's column in the shutdown rows.
const shutdownWidth = 50

func rowWith(rows []string, sub string) int {
	for i, r := range rows {
		if strings.Contains(r, sub) {
			return i
		}
	}
	return -1
}

func lastIndex(rows []string, sub string) int {
	for i := len(rows) - 1; i >= 0; i-- {
		if strings.Contains(rows[i], sub) {
			return i
		}
	}
	return -1
}

// TestDiffHTML checks the page's structure: both runs' headers, a row per
// shutdown row of the text, a lane per goroutine of either trace and
// main twice, each with its side.
func TestDiffHTML(t *testing.T) {
	a, b := fixture("v1.7.json"), fixture("v1.7-slow-request.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "--format", "html", a, b}, &stdout, &stderr); code != 0 {
		t.Fatalf("diff --format html = %d; stderr %q", code, stderr.String())
	}
	page := stdout.String()
	var text bytes.Buffer
	run([]string{"diff", a, b}, &text, &stderr)
	_, shutdown, _ := strings.Cut(text.String(), "\nshutdown, from the close of stopCh")
	rows := strings.Count(shutdown, "\n") - 2 // its title's end and the A/B header
	lanes := goroutines(t, a) + goroutines(t, b) + 2
	for _, want := range []string{
		`<section class="run" data-side="A">`, `<section class="run" data-side="B">`,
		`data-diff-rows="` + strconv.Itoa(rows) + `"`,
		`data-lanes="` + strconv.Itoa(lanes) + `"`,
		`<td class="what cut">GET /debug/walkthrough/slow → cut off <span class="cut-mark"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page has no %q", want)
		}
	}
	if got := strings.Count(page, `<tr class="moment">`); got != rows {
		t.Errorf("the page has %d shutdown rows; the text has %d", got, rows)
	}
	sides := regexp.MustCompile(`"side":"([AB])"`).FindAllStringSubmatch(page, -1)
	if len(sides) != lanes {
		t.Errorf("%d lanes have a side; want every one of %d", len(sides), lanes)
	}
}

// goroutines counts the goroutine spans of a trace file.
func goroutines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := view.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return len(tr.Lanes) - 1
}

func TestDiffRefusesBadInput(t *testing.T) {
	good, slow := fixture("v1.7.json"), fixture("v1.7-slow-request.json")
	content, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyOf := filepath.Join(dir, "copy.json")
	other := filepath.Join(dir, "other.json")
	newer := filepath.Join(dir, "newer.json")
	truncated := filepath.Join(dir, "truncated.json")
	link := filepath.Join(dir, "link.json")
	for path, b := range map[string][]byte{
		copyOf:    content,
		other:     bytes.ReplaceAll(content, []byte(`"Value":"kubewalk"`), []byte(`"Value":"checkout"`)),
		newer:     bytes.ReplaceAll(content, []byte(`"service.version","Value":{"Type":"STRING","Value":"0.1.0"`), []byte(`"service.version","Value":{"Type":"STRING","Value":"0.2.0"`)),
		truncated: content[:len(content)/2],
	} {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		line string // the start of stderr, which must be one line
	}{
		{"the same path twice", []string{good, good}, 1, "traceview diff: " + good + " and " + good + " are the same file"},
		{"a link to A", []string{good, link}, 1, "traceview diff: " + good + " and " + link + " are the same file"},
		{"a copy of A", []string{good, copyOf}, 1, "traceview diff: " + good + ", " + copyOf + ": A and B are the same run"},
		{"not a walkthrough trace", []string{good, other}, 1, "traceview diff: " + good + ", " + other + `: B is not a walkthrough trace: its spans come from "checkout"`},
		{"another version", []string{newer, slow}, 1, "traceview diff: " + newer + ", " + slow + ": A was written by kubewalk 0.2.0 and B by kubewalk 0.1.0"},
		{"truncated", []string{good, truncated}, 1, "traceview diff: " + truncated + ": truncated: the file ends"},
		{"missing", []string{filepath.Join(dir, "none.json"), good}, 1, "traceview diff: " + filepath.Join(dir, "none.json") + ": no such file"},
		{"one file", []string{good}, 2, "traceview diff: --format text with 1 files: want text or html, and two trace files"},
		{"three files", []string{good, slow, good}, 2, "traceview diff: --format text with 3 files"},
		{"mermaid", []string{"--format", "mermaid", good, slow}, 2, "traceview diff: --format mermaid with 2 files"},
		{"unknown flag", []string{"--colour", good, slow}, 2, "traceview diff: unknown flag: --colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"diff"}, tt.args...), &stdout, &stderr)
			if code != tt.code || !strings.HasPrefix(stderr.String(), tt.line) || stdout.Len() != 0 {
				t.Errorf("diff %q = %d, stdout %q, stderr %q; want %d, nothing on stdout, stderr starting %q",
					tt.args, code, stdout.String(), stderr.String(), tt.code, tt.line)
			}
			if code == 1 && strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr.String())
			}
		})
	}
}

// A failed diff leaves no output file behind.
func TestDiffWritesNoFileForBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "diff.html")
	good := fixture("v1.7.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "--format", "html", "-o", out, good, good}, &stdout, &stderr); code != 1 {
		t.Errorf("diff = %d; want 1", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed diff (err %v)", out, err)
	}
}
