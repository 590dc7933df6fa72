package view_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace/view"
)

// synthetic returns a trace of n spans as the kit writes them: goroutines
// of ten steps each, every step with a channel event and a log line.
func synthetic(n int) []byte {
	var b bytes.Buffer
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) string { return start.Add(time.Duration(i) * time.Microsecond).Format(time.RFC3339Nano) }
	for i := 1; i <= n; i++ {
		parent := "0000000000000000"
		kind := `{"Key":"walkthrough.kind","Value":{"Type":"STRING","Value":"goroutine"}},{"Key":"goroutine.name","Value":{"Type":"STRING","Value":"worker"}}`
		if i%10 != 1 {
			parent = fmt.Sprintf("%016x", i-i%10+1)
			kind = `{"Key":"walkthrough.kind","Value":{"Type":"STRING","Value":"step"}},{"Key":"walkthrough.chapter","Value":{"Type":"STRING","Value":"runserver"}}`
		}
		fmt.Fprintf(&b, `{"Name":"span %d","SpanContext":{"SpanID":"%016x"},"Parent":{"SpanID":"%s"},"StartTime":"%s","EndTime":"%s","Attributes":[%s],`+
			`"Events":[{"Name":"chan.close","Attributes":[{"Key":"chan.name","Value":{"Type":"STRING","Value":"stopCh"}}],"Time":"%s"},`+
			`{"Name":"Stopped listening","Attributes":[{"Key":"log.level","Value":{"Type":"STRING","Value":"info"}}],"Time":"%s"}],"Status":{"Code":"Unset"}}`+"\n",
			i, i, parent, at(i), at(i+5), kind, at(i+1), at(i+2))
	}
	return b.Bytes()
}

func BenchmarkRead100k(b *testing.B) {
	data := synthetic(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := view.Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkText100k(b *testing.B) {
	t, err := view.Read(bytes.NewReader(synthetic(100_000)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := view.Text(io.Discard, t, view.Options{Logs: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMermaid100k(b *testing.B) {
	t, err := view.Read(bytes.NewReader(synthetic(100_000)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := view.Mermaid(io.Discard, t, view.Options{Logs: true}); err != nil {
			b.Fatal(err)
		}
	}
}
