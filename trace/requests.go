package trace

import (
	"math"
	"sort"
	"sync"
	"time"
)

// maxRequestGroups bounds how many method, path and status triples the
// kit counts one by one; the requests of any further ones are counted
// together, with the path "(other paths)". The summary span holds one
// event per group, and a span keeps at most 128 events.
const maxRequestGroups = 50

// otherPaths is the path of the group that counts the requests beyond
// maxRequestGroups.
const otherPaths = "(other paths)"

// requestBook decides which requests get a span, and counts the others.
// Requests are recorded while fewer than max have been (every one when
// max is 0); the rest are counted by method, path and status, with a
// histogram of their latency, in constant space: a --serve under load
// keeps a trace file of bounded size however long it runs.
type requestBook struct {
	max int // request spans to record; 0: no bound

	mu         sync.Mutex
	recorded   int
	unrecorded int
	goroutines int // started for unrecorded requests, without a span
	groups     map[requestKey]*latencies
}

type requestKey struct {
	method, path string
	status       int
}

// record reports whether one more request may have a span, and counts it
// if so.
func (b *requestBook) record() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.max > 0 && b.recorded >= b.max {
		return false
	}
	b.recorded++
	return true
}

// goroutine counts a goroutine started for a request without a span.
func (b *requestBook) goroutine() {
	b.mu.Lock()
	b.goroutines++
	b.mu.Unlock()
}

// count adds a request served without a span.
func (b *requestBook) count(method, path string, status int, took time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unrecorded++
	if b.groups == nil {
		b.groups = map[requestKey]*latencies{}
	}
	key := requestKey{method, path, status}
	l := b.groups[key]
	if l == nil {
		if len(b.groups) >= maxRequestGroups {
			key = requestKey{"", otherPaths, 0}
			l = b.groups[key]
		}
		if l == nil {
			l = &latencies{}
			b.groups[key] = l
		}
	}
	l.add(took)
}

// RequestCounts says how many requests a kit served with a span and how
// many it only counted, and how the counted ones went.
type RequestCounts struct {
	Recorded, Unrecorded int
	Limit                int // Config.MaxRequestSpans
	// Goroutines counts the goroutines started for the unrecorded
	// requests, which have no span either.
	Goroutines int
	Groups     []RequestGroup
}

// RequestGroup is the requests counted with one method, path and status.
// Beyond 50 groups, the rest share one with the path "(other paths)", no
// method and status 0.
type RequestGroup struct {
	Method, Path string
	Status       int
	Count        int
	// Latency quantiles, from a histogram whose buckets are 9% apart:
	// each is at most 9% above the true one. Max is exact.
	P50, P90, P99, Max time.Duration
}

// Requests returns the counts of the requests k served so far: all of
// them when tracing is on, none when it is off.
func (k *Kit) Requests() RequestCounts {
	b := &k.book
	b.mu.Lock()
	defer b.mu.Unlock()
	c := RequestCounts{Recorded: b.recorded, Unrecorded: b.unrecorded, Limit: b.max, Goroutines: b.goroutines}
	for key, l := range b.groups {
		c.Groups = append(c.Groups, RequestGroup{Method: key.method, Path: key.path, Status: key.status, Count: l.n,
			P50: l.quantile(0.5), P90: l.quantile(0.9), P99: l.quantile(0.99), Max: l.max})
	}
	sort.Slice(c.Groups, func(i, j int) bool {
		a, b := c.Groups[i], c.Groups[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Status < b.Status
	})
	return c
}

// latencies is a histogram of durations, bucketsPerDoubling buckets to
// each doubling: bucket i holds durations below 2^((i+1)/8) ns.
type latencies struct {
	n       int
	max     time.Duration
	buckets []int
}

const bucketsPerDoubling = 8

func (l *latencies) add(d time.Duration) {
	i := 0
	if d > 1 {
		i = int(math.Log2(float64(d)) * bucketsPerDoubling)
	}
	for len(l.buckets) <= i {
		l.buckets = append(l.buckets, 0)
	}
	l.buckets[i]++
	l.n++
	l.max = max(l.max, d)
}

// quantile returns the upper bound of the bucket that holds the q-th
// quantile, or the largest duration when that is smaller.
func (l *latencies) quantile(q float64) time.Duration {
	rank := int(math.Ceil(q * float64(l.n)))
	seen := 0
	for i, c := range l.buckets {
		seen += c
		if seen >= rank && c > 0 {
			upper := time.Duration(math.Exp2(float64(i+1) / bucketsPerDoubling))
			return min(upper, l.max)
		}
	}
	return l.max
}
