package endpoints_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// BenchmarkWriteToEvent measures, on loopback, the time from sending a
// create to a watching client-go client decoding its ADDED event; it
// reports the median as median-ns/event.
func BenchmarkWriteToEvent(b *testing.B) {
	s := newServer(b)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	// QPS -1: no client-side rate limit (client-go's default is 5/s).
	config := &rest.Config{Host: s.URL, Transport: transport, QPS: -1}
	namespaces := kubernetes.NewForConfigOrDie(config).CoreV1().Namespaces()
	ctx := context.Background()
	w, err := namespaces.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("n%d", i)}}
		if _, err := namespaces.Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		<-w.ResultChan()
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Nanoseconds()), "median-ns/event")
}

// BenchmarkIdleWatch measures what one open, idle watch costs the server
// process: goroutines and heap bytes per watch (client and server share
// the process, so the figures include the client's side of each
// connection).
func BenchmarkIdleWatch(b *testing.B) {
	s := newServer(b)
	transport := &http.Transport{MaxIdleConnsPerHost: 1000}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	const n = 200
	for range b.N {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		goroutines := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		for range n {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/namespaces?watch=1", nil)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			defer resp.Body.Close()
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/n, "goroutines/watch")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/watch")
		cancel()
	}
}
