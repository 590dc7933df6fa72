package trace

import (
	"fmt"
	"testing"
	"time"
)

// The quantiles of the latency histogram are at most 9% above the true
// ones, never below, and the maximum is exact.
func TestLatencyQuantiles(t *testing.T) {
	var l latencies
	for i := 1; i <= 1000; i++ {
		l.add(time.Duration(i) * time.Microsecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.9, 900 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		if got := l.quantile(tt.q); got < tt.want || float64(got) > 1.09*float64(tt.want) {
			t.Errorf("quantile(%v) = %v; want %v to 9%% above it", tt.q, got, tt.want)
		}
	}
	if l.max != time.Millisecond || l.n != 1000 {
		t.Errorf("max %v of %d; want 1ms of 1000", l.max, l.n)
	}
}

// Past maxRequestGroups method, path and status triples, requests are
// counted together, so the counts take constant space.
func TestRequestBookGroupsAreBounded(t *testing.T) {
	k := &Kit{book: requestBook{max: 1}}
	if !k.book.record() || k.book.record() {
		t.Fatal("a book of 1 did not record exactly one request")
	}
	for i := range 3 * maxRequestGroups {
		k.book.count("GET", fmt.Sprintf("/p/%d", i), 200, time.Millisecond)
	}
	c := k.Requests()
	if len(c.Groups) != maxRequestGroups+1 || c.Unrecorded != 3*maxRequestGroups || c.Recorded != 1 {
		t.Fatalf("%d groups, %d counted, %d recorded; want %d, %d and 1", len(c.Groups), c.Unrecorded, c.Recorded, maxRequestGroups+1, 3*maxRequestGroups)
	}
	if other := c.Groups[0]; other.Path != otherPaths || other.Count != 2*maxRequestGroups {
		t.Errorf("the first group is %+v; want %q with the %d requests past the limit", other, otherPaths, 2*maxRequestGroups)
	}
}
