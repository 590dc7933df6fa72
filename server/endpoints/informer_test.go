package endpoints_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

// TestInformerRelistsAfterGone runs a client-go informer on the
// namespaces labelled app=watched, against a store that remembers only 3
// changes. Writes to other namespaces move the store past the version the
// informer knows without sending it anything; when its watch ends, it
// watches again from that version, gets the 410 ERROR event (the store's
// is etcd's, 410 Expired "required revision has been compacted"; a watch
// cache's would be 410 Gone "too old resource version"), lists again, and
// goes on seeing changes.
func TestInformerRelistsAfterGone(t *testing.T) {
	info := coreGroup()
	info.RESTOptionsGetter = registry.MemoryRESTOptionsGetter{Backend: memory.NewBackend(3)}
	m := mux.NewPathRecorderMux("test")
	if err := endpoints.InstallLegacyAPI(context.Background(), m, "/api", info); err != nil {
		t.Fatal(err)
	}
	var lists atomic.Int32
	var wire wireLog // what the informer was told, in order: "list", "410"
	var endWatchesMu sync.Mutex
	var endWatches []context.CancelFunc // each ends one watch, as its timeout would
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces" {
			if r.URL.Query().Get("watch") == "" {
				lists.Add(1)
				wire.add("list")
			} else {
				w = &goneSniffer{ResponseWriter: w, log: &wire}
				ctx, cancel := context.WithCancel(r.Context())
				endWatchesMu.Lock()
				endWatches = append(endWatches, cancel)
				endWatchesMu.Unlock()
				r = r.WithContext(ctx)
			}
		}
		m.ServeHTTP(w, r)
	}))
	defer s.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	cs := kubernetes.NewForConfigOrDie(&rest.Config{Host: s.URL, Transport: transport, QPS: -1})
	ctx := context.Background()
	// The writer has connections of its own.
	writer := kubernetes.NewForConfigOrDie(&rest.Config{Host: s.URL, QPS: -1,
		Transport: &http.Transport{DisableKeepAlives: true}})
	create := func(name string, labels map[string]string) {
		t.Helper()
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		if _, err := writer.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	watched := map[string]string{"app": "watched"}
	create("first", watched)

	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithTweakListOptions(
		func(o *metav1.ListOptions) { o.LabelSelector = "app=watched" }))
	informer := factory.Core().V1().Namespaces().Informer()
	var mu sync.Mutex
	seen := map[string]bool{}
	informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		mu.Lock()
		seen[obj.(*corev1.Namespace).Name] = true
		mu.Unlock()
	}})
	stop := make(chan struct{})
	factory.Start(stop)
	defer factory.Shutdown()
	defer close(stop)
	if !cache.WaitForCacheSync(stop, informer.HasSynced) {
		t.Fatal("the informer never synced")
	}
	listsBefore := lists.Load()
	// One event on the watch: client-go takes a watch that ends within a
	// second with nothing on it for a failure, and lists again at once.
	create("middle", watched)
	waitSeen := func(name string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			ok := seen[name]
			mu.Unlock()
			if ok {
				return
			}
		}
		t.Fatalf("the informer never saw %s", name)
	}
	waitSeen("middle")

	for _, name := range []string{"a", "b", "c", "d", "e"} {
		create(name, nil) // not selected: the informer hears nothing
	}
	// End its watch as a timeout would: the stream ends cleanly, and the
	// informer watches again from the version it knows.
	endWatchesMu.Lock()
	for _, end := range endWatches {
		end()
	}
	endWatchesMu.Unlock()
	create("second", watched)
	waitSeen("second")
	mu.Lock()
	defer mu.Unlock()
	if !seen["first"] || !seen["second"] {
		t.Errorf("the informer saw %v; want first and second", seen)
	}
	if lists.Load() <= listsBefore {
		t.Errorf("%d lists after the watch ended; want a relist after the 410", lists.Load()-listsBefore)
	}
	if got := wire.String(); !strings.Contains(got, "410 list") {
		t.Errorf("the informer was told %q; want a 410 followed by a list", got)
	}
}

// wireLog records what the server told the informer, in order.
type wireLog struct {
	mu     sync.Mutex
	events []string
}

func (l *wireLog) add(e string) { l.mu.Lock(); l.events = append(l.events, e); l.mu.Unlock() }

func (l *wireLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.events, " ")
}

// goneSniffer notes the 410 Expired Status "required revision has been
// compacted" written on a watch stream.
type goneSniffer struct {
	http.ResponseWriter
	log *wireLog
}

func (g *goneSniffer) Write(p []byte) (int, error) {
	// The informer watches in protobuf: look for the Status's message.
	if bytes.Contains(p, []byte("required revision has been compacted")) {
		g.log.add("410")
	}
	return g.ResponseWriter.Write(p)
}

func (g *goneSniffer) Flush() { g.ResponseWriter.(http.Flusher).Flush() }
