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
	if good, err := record(f.TempDir()); err == nil {
		f.Add(good)
	}
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
