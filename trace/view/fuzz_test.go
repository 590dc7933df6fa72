package view_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/kubewalk/kubewalk/trace/view"
)

// FuzzRead feeds Read arbitrary bytes (seeded from testdata/fuzz/FuzzRead
// and a real trace): it may refuse them, but must never panic, and what it
// accepts must render.
func FuzzRead(f *testing.F) {
	f.Add(recordedSeed(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := view.Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := view.Text(io.Discard, tr, view.Options{Logs: true, Requests: true}); err != nil {
			t.Fatal(err)
		}
		if err := view.Mermaid(io.Discard, tr, view.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

// recordedSeed records a small real trace for a fuzz target's seed. It
// fails the target if the trace cannot be recorded or Read refuses it:
// a fuzz target that quietly lost its seed would still pass.
func recordedSeed(f *testing.F) []byte {
	f.Helper()
	good, err := record(f.TempDir())
	if err != nil {
		f.Fatalf("recording the seed trace: %v", err)
	}
	if _, err := view.Read(bytes.NewReader(good)); err != nil {
		f.Fatalf("Read refuses the recorded seed trace: %v", err)
	}
	return good
}
