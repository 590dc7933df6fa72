package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/kubewalk/kubewalk/trace/view"
)

// TestSIGKILLLosesOnlyTheLastBatch kills a --serve walkthrough with
// SIGKILL, which no program can catch, and states what its trace file
// lost. The kit writes spans in batches, within trace.FlushInterval of
// their end; every other ending writes the rest first.
//
// What is lost: the spans that ended in the last trace.FlushInterval
// before the kill, which had not been written yet (here: some of the last
// requests' spans, perhaps none); and the summary span, which only an
// ending writes. The steps and goroutines still running at the kill
// (main.main, app.Run, the serving goroutines) never ended, so they never
// had a span to write. What stays: every span written before, whole.
func TestSIGKILLLosesOnlyTheLastBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	cmd, addr := child(t, "--serve --log-level=warn --trace-file="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	// The first requests' spans reach the file while the server runs.
	const first, last = 20, 20
	if err := sendRequests("http://"+addr, first); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(kittest.Deadline); requestSpans(t, path) < first; time.Sleep(trace.FlushInterval / 10) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v the file holds %d of the first %d requests' spans", kittest.Deadline, requestSpans(t, path), first)
		}
	}

	// The last ones are still being written, or waiting, when it dies.
	if err := sendRequests("http://"+addr, last); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	cmd.Wait()

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := view.Read(f)
	if err != nil {
		t.Fatalf("the file is not a readable trace after SIGKILL: %v", err)
	}
	if tr.Summary != nil {
		t.Error("the file has a summary span; SIGKILL leaves no time to write one")
	}
	got := requestSpans(t, path)
	if got < first || got > first+last {
		t.Fatalf("the file has %d request spans; want the first %d, and up to %d more", got, first, last)
	}
	var text strings.Builder
	if err := view.Text(&text, tr, view.Options{Requests: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "no summary span: the run did not finish writing its trace") {
		t.Errorf("traceview does not say the run did not finish:\n%s", text.String())
	}
	t.Logf("SIGKILL lost %d of the last %d requests' spans, and the summary; the %d spans written before are whole",
		first+last-got, last, len(tr.Spans))
}

// requestSpans counts the spans of the requests sendRequests sent on the
// whole lines of the trace file at path: a line being written when it is
// read is left out, and so are the requests the post-start hooks' clients
// sent.
func requestSpans(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kind := []byte(`{"Key":"` + trace.KindKey + `","Value":{"Type":"STRING","Value":"` + trace.KindRequest + `"}}`)
	n := 0
	for line := range bytes.Lines(b) {
		if !bytes.HasSuffix(line, []byte("\n")) || !bytes.Contains(line, kind) {
			continue
		}
		var span struct{ Name string }
		if json.Unmarshal(line, &span) == nil && servedForTest(span.Name) {
			n++
		}
	}
	return n
}
