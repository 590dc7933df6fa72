package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubewalk/kubewalk/trace"
)

var upRun = trace.Upstream{
	Function: "server.preparedGenericAPIServer.Run",
	File:     "staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go",
	Ref:      "v1.7.0",
	Chapter:  "preparerun",
}

// narrate plays a small run — a step, a goroutine it starts, a long note,
// a warning, the step going on after the goroutine — into a kit with the
// given log format and colour, and returns the log.
func narrate(t *testing.T, format string, color bool) string {
	t.Helper()
	var b bytes.Buffer
	k, err := trace.Setup(trace.Config{Log: &b, LogFormat: format, NoColor: !color})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Shutdown(context.Background(), trace.EndNormal)
	ctx, end := trace.Step(k.Context(context.Background()), upRun)
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")
	<-trace.Go(ctx, "RunServer: serve", func(ctx context.Context) {
		trace.Log(ctx).Info().Str(trace.LogNoteKey, strings.Repeat("a note that goes on ", 8)).
			Msg("Stopped listening on 127.0.0.1:8080")
	})
	trace.Log(ctx).Warn().Str("server", "kube-apiserver").Msg("a warning")
	trace.Close(ctx, stopCh)
	end(nil)
	return b.String()
}

func TestConsoleNarration(t *testing.T) {
	got := narrate(t, "console", false)
	want := `▸ server.preparedGenericAPIServer.Run · chapter preparerun
  staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go@v1.7.0
    chan.make stopCh (closed by the test)
  [RunServer: serve]
    goroutine started in server.preparedGenericAPIServer.Run
    Stopped listening on 127.0.0.1:8080
      ↳ a note that goes on a note that goes on a note that goes on a note that goes on a note that
        goes on a note that goes on a note that goes on a note that goes on
    goroutine ended
  [main] server.preparedGenericAPIServer.Run
    WRN a warning server=kube-apiserver
    chan.close stopCh
`
	if got != want {
		t.Errorf("console narration:\n%s\nwant:\n%s", got, want)
	}
	for _, line := range strings.Split(got, "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
}

func TestConsoleColourOnlyWhenAskedFor(t *testing.T) {
	if plain := narrate(t, "console", false); strings.Contains(plain, "\x1b[") {
		t.Errorf("NoColor narration has escape codes:\n%q", plain)
	}
	colored := narrate(t, "console", true)
	for _, want := range []string{"\x1b[1;36mserver.preparedGenericAPIServer.Run\x1b[0m", "\x1b[35m[RunServer: serve]\x1b[0m", "\x1b[33mWRN\x1b[0m"} {
		if !strings.Contains(colored, want) {
			t.Errorf("coloured narration lacks %q:\n%q", want, colored)
		}
	}
}

// TestJSONLogKeepsEveryField: the JSON format is for machines, so every
// line has all its fields, and a step's start is a line of its own.
func TestJSONLogKeepsEveryField(t *testing.T) {
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(narrate(t, "json", false)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		lines = append(lines, m)
	}
	upstream := upRun.File + "@" + upRun.Ref
	want := []map[string]any{
		{"level": "info", "step": upRun.Function, "upstream": upstream, "chapter": "preparerun", "message": "step started"},
		{"level": "info", "step": upRun.Function, "upstream": upstream, "chan": "stopCh", "owner": "the test", "message": "chan.make"},
		{"level": "info", "step": upRun.Function, "upstream": upstream, "goroutine": "RunServer: serve", "message": "goroutine started"},
		{"level": "info", "step": upRun.Function, "upstream": upstream, "goroutine": "RunServer: serve",
			"note": strings.Repeat("a note that goes on ", 8), "message": "Stopped listening on 127.0.0.1:8080"},
		{"level": "info", "step": upRun.Function, "upstream": upstream, "goroutine": "RunServer: serve", "message": "goroutine ended"},
		{"level": "warn", "step": upRun.Function, "upstream": upstream, "server": "kube-apiserver", "message": "a warning"},
		{"level": "info", "step": upRun.Function, "upstream": upstream, "chan": "stopCh", "owner": "the test", "message": "chan.close"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d JSON lines; want %d:\n%v", len(lines), len(want), lines)
	}
	for i := range want {
		if a, b := mustJSON(lines[i]), mustJSON(want[i]); a != b {
			t.Errorf("line %d = %s; want %s", i, a, b)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
