package endpoints_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// TestWatch watches namespaces with client-go, whose decoders read the
// stream: in JSON and in protobuf, from resourceVersion 0 (the current
// namespaces as ADDED first) and from a version (only what came after).
func TestWatch(t *testing.T) {
	for _, contentType := range []string{jsonType, protobufType} {
		t.Run(contentType, func(t *testing.T) {
			config := clientConfig(t)
			config.ContentType = contentType
			var wire string
			config.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
				return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
					resp, err := rt.RoundTrip(r)
					if err == nil && r.URL.Query().Get("watch") != "" {
						wire = resp.Header.Get("Content-Type")
					}
					return resp, err
				})
			}
			namespaces := kubernetes.NewForConfigOrDie(config).CoreV1().Namespaces()
			ctx := context.Background()
			first, err := namespaces.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "first"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			fromZero, err := namespaces.Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				t.Fatal(err)
			}
			defer fromZero.Stop()
			fromFirst, err := namespaces.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion})
			if err != nil {
				t.Fatal(err)
			}
			defer fromFirst.Stop()
			if _, err := namespaces.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "second"}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := namespaces.Delete(ctx, "first", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			nextEvents(t, "from 0", fromZero, "ADDED first", "ADDED second", "DELETED first")
			nextEvents(t, "from "+first.ResourceVersion, fromFirst, "ADDED second", "DELETED first")
			wantWire := contentType
			if contentType == protobufType {
				wantWire += ";stream=watch"
			}
			if wire != wantWire {
				t.Errorf("watch Content-Type %q; want %q", wire, wantWire)
			}
		})
	}
}

// TestWatchTimeout checks that timeoutSeconds=1 ends the stream after
// about a second.
func TestWatchTimeout(t *testing.T) {
	namespaces := kubernetes.NewForConfigOrDie(clientConfig(t)).CoreV1().Namespaces()
	one := int64(1)
	start := time.Now()
	w, err := namespaces.Watch(context.Background(), metav1.ListOptions{TimeoutSeconds: &one})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	select {
	case e, open := <-w.ResultChan():
		if open {
			t.Fatalf("got %s; want the stream to end", e.Type)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch is still open after 10s; want it ended after 1s")
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("the watch ended after %v; want about 1s", took)
	}
}

// nextEvents reads len(want) events, each "TYPE name".
func nextEvents(t *testing.T, what string, w watch.Interface, want ...string) {
	t.Helper()
	for _, wantEvent := range want {
		select {
		case e := <-w.ResultChan():
			got := string(e.Type)
			if ns, ok := e.Object.(*corev1.Namespace); ok {
				got += " " + ns.Name
			}
			if got != wantEvent {
				t.Errorf("%s: event %q; want %q", what, got, wantEvent)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no event; want %q", what, wantEvent)
		}
	}
}

// FuzzWatchQuery sends watches with arbitrary query parameters: each is
// answered with a Status or a stream, never a panic, and ends when its
// client goes away.
func FuzzWatchQuery(f *testing.F) {
	for _, q := range []string{"resourceVersion=0", "resourceVersion=abc", "labelSelector=a%3Db",
		"fieldSelector=metadata.name%3Dx", "fieldSelector=spec.x%3D1", "timeoutSeconds=-1", "timeoutSeconds=99999999999",
		"sendInitialEvents=true", "watch=false", "resourceVersion=18446744073709551616"} {
		f.Add(q)
	}
	s := newServer(f)
	f.Fuzz(func(t *testing.T, query string) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/watch/namespaces?"+query, nil)
		if err != nil {
			return
		}
		if _, err := url.ParseQuery(query); err != nil {
			return
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			return // the client gave up on a stream, as it should
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity:
		default:
			t.Errorf("GET watch?%s = %d; want 200, 400 or 422", query, resp.StatusCode)
		}
	})
}
