package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/kubewalk/kubewalk/trace/view"
)

// serveTraceEnv names the file TestServeTraceOfManyRequests copies its
// trace to, with serveRequestsEnv requests instead of a few hundred:
// scripts/trace-html-check makes its 20,000-request page this way.
const (
	serveTraceEnv    = "KUBEWALK_SERVE_TRACE"
	serveRequestsEnv = "KUBEWALK_SERVE_REQUESTS"
)

// servePaths are what TestServeTraceOfManyRequests asks for, in turn: two
// answered by the chain's servers and one by its end, with a 404.
var servePaths = []string{"/healthz", "/api/v1/namespaces", "/no/such/path"}

// servedForTest reports whether a request span named name is one of the
// requests sendRequests sends, not one the post-start hooks' clients sent
// from inside the process (their number varies from run to run).
func servedForTest(name string) bool {
	path, ok := strings.CutPrefix(name, "GET ")
	return ok && slices.Contains(servePaths, path)
}

// TestServeTraceOfManyRequests serves many requests with --serve and no
// limit on request spans, then stops on SIGTERM: the trace has every
// request, and traceview's text counts them in a few lines instead of
// listing them.
func TestServeTraceOfManyRequests(t *testing.T) {
	n := 300
	if s := os.Getenv(serveRequestsEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a number of requests", serveRequestsEnv, s)
		}
	}
	insecure, secure := listen(t), listen(t)
	path := filepath.Join(t.TempDir(), "trace.json")
	signals := make(chan os.Signal, 2)
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(context.Background(), []string{"--serve", "--trace-requests-max=0", "--trace-file", path, "--log-level", "warn"},
			runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: signals, insecure: insecure, secure: secure})
	}()
	if err := sendRequests("http://"+insecure.Addr().String(), n); err != nil {
		t.Error(err)
	}
	signals <- syscall.SIGTERM
	if c := kittest.Await(t, code, "the run to end"); c != 0 {
		t.Fatalf("exit code %d; want 0. Log:\n%s", c, stderr.String())
	}
	checkComplete(t, kittest.ReadFile(t, path), trace.EndSignal)

	tr := readView(t, path)
	requests, grouped := 0, 0
	for _, s := range tr.Spans {
		if s.Kind() == trace.KindRequest && servedForTest(s.Name) {
			requests++
		}
	}
	for _, l := range tr.Lanes {
		if l.Request != nil && servedForTest(l.Request.Name) {
			grouped++
		}
	}
	if requests != n || grouped != n {
		t.Errorf("the trace has %d request spans and %d goroutines started for requests; want %d of each", requests, grouped, n)
	}
	var text strings.Builder
	if err := view.Text(&text, tr, view.Options{Requests: true}); err != nil {
		t.Fatal(err)
	}
	// Each path's requests are one line per status (/healthz answers 500
	// until the post-start hooks are done), and the goroutines that served
	// them another.
	statuses := map[string]map[string]bool{}
	for _, s := range tr.Spans {
		if s.Kind() == trace.KindRequest && servedForTest(s.Name) {
			if statuses[s.Name] == nil {
				statuses[s.Name] = map[string]bool{}
			}
			statuses[s.Name][s.Attrs["http.response.status_code"]] = true
		}
	}
	for _, p := range servePaths {
		if !strings.Contains(text.String(), "GET "+p+" → ") {
			t.Errorf("traceview's text has no line for GET %s", p)
		}
		lines := 0
		for _, line := range strings.Split(text.String(), "\n") {
			if strings.Contains(line, "GET "+p+" ") {
				lines++
			}
		}
		if want := len(statuses["GET "+p]) + 1; lines > want {
			t.Errorf("traceview's text for %d requests has %d lines for GET %s; want them counted in %d", n, lines, p, want)
		}
	}
	if keep := os.Getenv(serveTraceEnv); keep != "" {
		b, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(keep, b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sendRequests GETs n requests from two keep-alive clients at once, going
// round servePaths; any error but a refused answer ends it. The listener
// is bound before Run serves, so the first requests wait in its accept
// queue.
func sendRequests(base string, n int) error {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < n; i += 2 {
				resp, err := c.Get(base + servePaths[i%len(servePaths)])
				if err != nil {
					errs <- fmt.Errorf("request %d: %w", i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestServeBoundsRequestSpans: past --trace-requests-max, requests and
// the goroutines started for them get no span, and the summary counts
// them; nothing else is left out, and the file stops growing with the
// number of requests.
func TestServeBoundsRequestSpans(t *testing.T) {
	const limit = 40
	size, spans := map[int]int64{}, map[int]int{}
	for _, n := range []int{100, 400} {
		path := filepath.Join(t.TempDir(), "trace.json")
		serveAndStop(t, n, "--trace-requests-max="+strconv.Itoa(limit), "--trace-file", path)
		tr := kittest.ReadFile(t, path)
		checkComplete(t, tr, trace.EndSignal)
		sum := tr.Summary(t)
		// The post-start hooks' clients send requests of their own, from
		// inside the process, as many as their timing makes: they share
		// the limit with the test's.
		requests, ours, goroutines, counted, oursCounted := 0, 0, 0, 0, 0
		for _, s := range tr.Spans {
			switch s.Attr(trace.KindKey) {
			case trace.KindRequest:
				requests++
				if servedForTest(s.Name) {
					ours++
				}
			case trace.KindGoroutine:
				goroutines++
			}
		}
		for _, e := range sum.Events {
			if e.Name == trace.EventRequestsCounted {
				c, _ := strconv.Atoi(e.Attrs[trace.RequestsCountKey])
				counted += c
				if servedForTest(e.Attrs["http.request.method"] + " " + e.Attrs["url.path"]) {
					oursCounted += c
				}
				if e.Attrs[trace.LatencyP99Key] == "" {
					t.Errorf("%s has no latency quantiles", e.Name)
				}
			}
		}
		started, _ := strconv.Atoi(sum.Attr(trace.GoroutinesStartedKey))
		unrecorded, _ := strconv.Atoi(sum.Attr(trace.GoroutinesUnrecordedKey))
		if requests != limit || sum.Attr(trace.RequestsUnrecordedKey) != strconv.Itoa(counted) ||
			ours+oursCounted != n || oursCounted < n-limit || goroutines != started-unrecorded || unrecorded < n-limit {
			t.Errorf("%d requests: %d request spans (%d of the test's), %d goroutine spans of %d started; summary %v, counting %d (%d of the test's); "+
				"want %d spans, every other request counted, and a span for every goroutine not counted", n, requests, ours, goroutines, started, sum.Attrs,
				counted, oursCounted, limit)
		}
		for _, fn := range []string{"server.RunServer", "server.preparedGenericAPIServer.Run", "RunServer: serve"} {
			tr.Span(t, fn) // every step and goroutine other than the requests' is there
		}
		if err := checkCascade(tr, 2); err != nil {
			t.Error(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		size[n], spans[n] = fi.Size(), len(tr.Spans)
	}
	// Which requests took the recorded places (the hooks' or the test's,
	// with or without a client span and a goroutine) varies the size by
	// some spans; 300 more requests with a span each would add 300 spans.
	perSpan := size[100] / int64(spans[100])
	if d := size[400] - size[100]; d > 30*perSpan {
		t.Errorf("the file has %d bytes after 100 requests and %d after 400; want it to grow by less than 30 spans of %d bytes",
			size[100], size[400], perSpan)
	}
}

// serveAndStop runs --serve with args, sends it n requests, and stops it
// with SIGTERM; it fails t unless the run exits 0.
func serveAndStop(t *testing.T, n int, args ...string) {
	t.Helper()
	insecure, secure := listen(t), listen(t)
	signals := make(chan os.Signal, 2)
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(context.Background(), append([]string{"--serve"}, args...),
			runEnv{stopNeverStopped: true, stdout: &stdout, stderr: &stderr, signals: signals, insecure: insecure, secure: secure})
	}()
	if err := sendRequests("http://"+insecure.Addr().String(), n); err != nil {
		t.Error(err)
	}
	signals <- syscall.SIGTERM
	if c := kittest.Await(t, code, "the run to end"); c != 0 {
		t.Fatalf("exit code %d; want 0. Log:\n%s", c, stderr.String())
	}
}
