package view

import (
	"reflect"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/trace/lang"
)

func TestAlignPairsTheLongestCommonOrder(t *testing.T) {
	tests := []struct {
		a, b string
		want []pair
	}{
		{"", "", nil},
		{"ab", "", []pair{{0, -1}, {1, -1}}},
		{"abc", "abc", []pair{{0, 0}, {1, 1}, {2, 2}}},
		// x only in A, y only in B, each where its order puts it.
		{"axbc", "abyc", []pair{{0, 0}, {1, -1}, {2, 1}, {-1, 2}, {3, 3}}},
		// Two in A, one in B: the first pairs.
		{"aab", "ab", []pair{{0, 0}, {1, -1}, {2, 1}}},
		// Crossed: only one of b and c can pair and keep both orders.
		{"bc", "cb", []pair{{0, -1}, {1, 0}, {-1, 1}}},
	}
	for _, tt := range tests {
		got := align(len(tt.a), len(tt.b), func(i, j int) bool { return tt.a[i] == tt.b[j] })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("align(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestRequestOutcomeShowsAWatchsReasonUpToItsColon checks the tag of a
// watch's reason that a shutdown row shows, from an English run's reason
// and from a Chinese run's, which has a full-width colon.
func TestRequestOutcomeShowsAWatchsReasonUpToItsColon(t *testing.T) {
	zh, err := lang.Parse("zh")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(100, 0)
	for _, tt := range []struct {
		l      lang.Lang
		reason string
		want   string
	}{
		{lang.English, "client gone: the request's context is done", "GET /api/v1/namespaces → 200 (watch: client gone)"},
		{zh, "客户端已离开：请求的 context 已结束", "GET /api/v1/namespaces → 200（watch：客户端已离开）"},
	} {
		serve := &Span{Name: "RunServer: serve", Events: []Event{{Name: "log", Time: start.Add(time.Second),
			Attrs: map[string]string{"reason": tt.reason, "path": "/api/v1/namespaces"}}}}
		req := &Span{Name: "GET /api/v1/namespaces", Parent: serve, Start: start, End: start.Add(2 * time.Second),
			Attrs: map[string]string{"http.response.status_code": "200", "url.path": "/api/v1/namespaces"}}
		if got, cut := requestOutcome(req, tt.l); got != tt.want || cut {
			t.Errorf("requestOutcome(%s) = %q, %v; want %q, false", tt.l, got, cut, tt.want)
		}
	}
}

// A shutdown shows a panic (an exception with its stack, as the kit
// records a goroutine's), not an error a request recorded (an informer's
// request canceled at shutdown, which varies from run to run).
func TestShutdownShowsPanicsNotErrors(t *testing.T) {
	canceled := &Event{Name: "exception", Attrs: map[string]string{"exception.message": "context canceled"}}
	if text, key := shutdownEvent(canceled); key != "" {
		t.Errorf("a request's error shows as %q (%q); want nothing", text, key)
	}
	panicked := &Event{Name: "exception", Attrs: map[string]string{"exception.message": "boom", "exception.stacktrace": "goroutine 1 …"}}
	if text, key := shutdownEvent(panicked); key != "PANIC" || text != "PANIC boom" {
		t.Errorf("a panic shows as %q (%q); want PANIC boom", text, key)
	}
}
