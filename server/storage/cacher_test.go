package storage_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagetest"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// A Cacher starts goroutines, and each of its watchers one: all must have
// ended when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cacherOn returns a Cacher of namespaces with room for capacity changes
// on a fresh memory backend, the raw storage under it, and the backend.
// The test stops the Cacher when it ends, as StopNeverStopped would.
func cacherOn(t *testing.T, ctx context.Context, capacity int) (*storage.Cacher, storage.Interface, *memory.Backend) {
	t.Helper()
	b := memory.NewBackend(0)
	raw := memory.New(b, storagetest.Codec(), "/registry")
	c := storage.NewCacherFromConfig(ctx, storage.CacherConfig{
		CacheCapacity:  capacity,
		Storage:        raw,
		Versioner:      storage.APIObjectVersioner{},
		Type:           &corev1.Namespace{},
		ResourcePrefix: "/namespaces",
		KeyFunc: func(obj runtime.Object) (string, error) {
			return "/namespaces/" + obj.(*corev1.Namespace).Name, nil
		},
		GetAttrsFunc: storage.DefaultClusterScopedAttr,
		NewListFunc:  func() runtime.Object { return &corev1.NamespaceList{} },
	})
	t.Cleanup(c.Stop)
	return c, raw, b
}

func create(t *testing.T, s storage.Interface, name string) string {
	t.Helper()
	out := &corev1.Namespace{}
	if err := s.Create(context.Background(), "/namespaces/"+name, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, out); err != nil {
		t.Fatal(err)
	}
	return out.ResourceVersion
}

// next returns the next event of w, failing t after kittest.Deadline.
func next(t *testing.T, w watch.Interface) (watch.Event, bool) {
	t.Helper()
	ch := make(chan struct {
		e  watch.Event
		ok bool
	}, 1)
	go func() {
		e, ok := <-w.ResultChan()
		ch <- struct {
			e  watch.Event
			ok bool
		}{e, ok}
	}()
	r := kittest.Await(t, ch, "a watch event")
	return r.e, r.ok
}

func eventString(e watch.Event) string {
	if ns, ok := e.Object.(*corev1.Namespace); ok {
		return fmt.Sprintf("%s %s %s", e.Type, ns.Name, ns.ResourceVersion)
	}
	return fmt.Sprintf("%s %+v", e.Type, e.Object)
}

// TestCacherServesWatches checks that watches are served from the cache
// its reflector fills: from 0 the current objects, then every change
// written through the Cacher or past it; and that the trace names its
// goroutines as never stopped in v1.7.
func TestCacherServesWatches(t *testing.T) {
	ctx, rec := kittest.New(t)
	c, raw, _ := cacherOn(t, ctx, 100)
	a := create(t, c, "a")
	w, err := c.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	b := create(t, raw, "b") // past the Cacher: its reflector sees it anyway
	for _, want := range []string{"ADDED a " + a, "ADDED b " + b} {
		if e, _ := next(t, w); eventString(e) != want {
			t.Errorf("event %q; want %q", eventString(e), want)
		}
	}
	var names []string // in the order they started: the reflector's watch may start before or after w
	for _, o := range rec.Kit.Stats().Open {
		if o.Kind == "goroutine" {
			names = append(names, o.Name)
			if !strings.HasPrefix(o.Name, "cacheWatcher.process") && o.NeverStopped == "" {
				t.Errorf("goroutine %s is not marked never stopped", o.Name)
			}
		}
	}
	slices.Sort(names)
	want := "Cacher.dispatchEvents /namespaces, Cacher.startCaching /namespaces, cacheWatcher.process /namespaces, watchChan.run /registry/namespaces/"
	if got := strings.Join(names, ", "); got != want {
		t.Errorf("goroutines %s; want %s", got, want)
	}
}

// TestCacherReads checks which reads the cache answers: those that name
// a resourceVersion (as informers' lists do), at the cache's revision;
// those without go to the storage.
func TestCacherReads(t *testing.T) {
	ctx, _ := kittest.New(t)
	c, _, _ := cacherOn(t, ctx, 100)
	rv := create(t, c, "a")
	list := &corev1.NamespaceList{}
	if err := c.List(ctx, "/namespaces", "", storage.Everything, list); err != nil || len(list.Items) != 1 {
		t.Fatalf("List without resourceVersion = %v, %d items; want a, from the storage", err, len(list.Items))
	}
	list = &corev1.NamespaceList{}
	// Waits until the cache has seen rv, so it has a.
	if err := c.List(ctx, "/namespaces", rv, storage.Everything, list); err != nil || len(list.Items) != 1 || list.ResourceVersion != rv {
		t.Fatalf("List at %s = %v, %d items at %s; want a, at %s, from the cache", rv, err, len(list.Items), list.ResourceVersion, rv)
	}
	got := &corev1.Namespace{}
	if err := c.Get(ctx, "/namespaces/a", rv, got, false); err != nil || got.Name != "a" || got.ResourceVersion != rv {
		t.Errorf("Get at %s = %v, %q at %s; want a", rv, err, got.Name, got.ResourceVersion)
	}
	if err := c.Get(ctx, "/namespaces/b", rv, got, false); !storage.IsNotFound(err) {
		t.Errorf("Get of a missing object at %s = %v; want KeyNotFound", rv, err)
	}
}

// TestCacherTooOldResourceVersion checks the window of the cache: a watch
// from a revision older than the changes it keeps gets one ERROR event,
// 410 Gone "too old resource version", and ends.
func TestCacherTooOldResourceVersion(t *testing.T) {
	ctx, _ := kittest.New(t)
	c, _, _ := cacherOn(t, ctx, 2)
	// Once the cache is ready, it has listed nothing: every change below
	// goes through its ring.
	if err := c.List(ctx, "/namespaces", "0", storage.Everything, &corev1.NamespaceList{}); err != nil {
		t.Fatal(err)
	}
	first := create(t, c, "a")
	var last string
	for _, name := range []string{"b", "c", "d"} {
		last = create(t, c, name)
	}
	// The cache keeps c and d: wait until it has d, then ask for a's.
	if err := c.List(ctx, "/namespaces", last, storage.Everything, &corev1.NamespaceList{}); err != nil {
		t.Fatal(err)
	}
	w, err := c.WatchList(ctx, "/namespaces", first, storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := next(t, w)
	status, ok := e.Object.(*metav1.Status)
	if !ok || e.Type != watch.Error || status.Code != http.StatusGone || status.Reason != metav1.StatusReasonGone ||
		status.Message != "too old resource version: 2 (3)" {
		t.Errorf("watch from %s: %s; want ERROR 410 Gone too old resource version: 2 (3)", first, eventString(e))
	}
	if _, open := next(t, w); open {
		t.Error("the watch is open after its ERROR event")
	}
}

// TestCacherRelists checks what an ERROR on the reflector's own watch
// does (a revision etcd compacted away): the reflector ends, the Cacher
// ends every client watch and lists again, and serves what it listed.
func TestCacherRelists(t *testing.T) {
	ctx, rec := kittest.New(t)
	b := memory.NewBackend(0)
	raw := memory.New(b, storagetest.Codec(), "/registry")
	fakes := &fakeWatches{Interface: raw, next: make(chan *watch.FakeWatcher, 2)}
	first, second := watch.NewFake(), watch.NewFake()
	fakes.next <- first
	fakes.next <- second
	create(t, raw, "a") // before the Cacher: its first list has it
	c := storage.NewCacherFromConfig(ctx, storage.CacherConfig{
		CacheCapacity: 100, Storage: fakes, Versioner: storage.APIObjectVersioner{},
		Type: &corev1.Namespace{}, ResourcePrefix: "/namespaces",
		KeyFunc:      func(obj runtime.Object) (string, error) { return "/namespaces/" + obj.(*corev1.Namespace).Name, nil },
		GetAttrsFunc: storage.DefaultClusterScopedAttr,
		NewListFunc:  func() runtime.Object { return &corev1.NamespaceList{} },
	})
	defer c.Stop()
	w, err := c.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if e, _ := next(t, w); eventString(e) != "ADDED a 2" { // an empty etcd is at revision 1
		t.Fatalf("first event %s; want ADDED a 2", eventString(e))
	}
	create(t, raw, "b") // the reflector's (fake) watch does not see it
	first.Error(&metav1.Status{Status: metav1.StatusFailure, Code: http.StatusGone, Reason: metav1.StatusReasonExpired,
		Message: "etcdserver: mvcc: required revision has been compacted"})
	if e, open := next(t, w); open {
		t.Fatalf("client watch: %s; want it ended when the Cacher lists again", eventString(e))
	}
	relisted, err := c.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer relisted.Stop()
	for _, want := range []string{"ADDED a 2", "ADDED b 3"} {
		if e, _ := next(t, relisted); eventString(e) != want {
			t.Errorf("after the new list: %s; want %s", eventString(e), want)
		}
	}
	for _, line := range []string{
		"k8s.io/apiserver/pkg/storage/cacher.go:215: watch of *v1.Namespace ended with: etcdserver: mvcc: required revision has been compacted",
		"Terminating all watchers from cacher *v1.Namespace",
	} {
		if !strings.Contains(rec.Logs(), line) {
			t.Errorf("log lacks %q:\n%s", line, rec.Logs())
		}
	}
}

// fakeWatches is a storage whose WatchList returns the fake watches of
// next, one per call.
type fakeWatches struct {
	storage.Interface
	next chan *watch.FakeWatcher
}

func (f *fakeWatches) WatchList(context.Context, string, string, storage.SelectionPredicate) (watch.Interface, error) {
	return <-f.next, nil
}

// TestCacherClosesSlowWatchers checks the dispatch's budget: a watcher
// whose channels are full when a change comes is closed, without an
// ERROR event, so that it does not hold the other watchers back.
func TestCacherClosesSlowWatchers(t *testing.T) {
	ctx, rec := kittest.New(t)
	c, _, _ := cacherOn(t, ctx, 100)
	create(t, c, "first")
	slow, err := c.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Stop()
	fast, err := c.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Stop()
	fastEvents := make(chan watch.Event, 100)
	go func() { // ends when the test stops fast
		for e := range fast.ResultChan() {
			fastEvents <- e
		}
	}()
	if e := kittest.Await(t, fastEvents, "the fast watcher's first event"); e.Type != watch.Added {
		t.Fatalf("fast watcher: %s; want ADDED first", eventString(e))
	}
	// 10 events fill the slow watcher's result channel, 10 more its
	// input, and the next finds it full: the dispatch's budget starts
	// empty. One at a time, each read by the fast watcher, which thus
	// never falls behind. The dispatch hands the events on in order:
	// once the fast watcher has the last one, the slow one was handed
	// every one before it.
	const n = 25
	for i := range n {
		create(t, c, fmt.Sprintf("ns-%d", i))
		if e := kittest.Await(t, fastEvents, "the fast watcher's events"); e.Type != watch.Added {
			t.Fatalf("fast watcher, event %d: %s; want ADDED", i, eventString(e))
		}
	}
	received := 0
	for {
		e, ok := next(t, slow)
		if !ok {
			break
		}
		if e.Type != watch.Added {
			t.Fatalf("event %s; want only ADDED", eventString(e))
		}
		received++
	}
	if received >= n+1 {
		t.Errorf("the slow watcher got all %d events; want it closed before", received)
	}
	if !strings.Contains(rec.Logs(), "Forcing watcher close due to unresponsiveness: *v1.Namespace") {
		t.Errorf("no close logged:\n%s", rec.Logs())
	}
}

// TestCacherWatchFromEmptyList checks an informer's start on a storage
// nothing was ever written to: its list, from the cache, names a
// resourceVersion, and a watch from it gets every change after it, one
// event each, even those made before the watch started. (A list at
// resourceVersion "" would make the watch start from 0, and send only
// the current objects: a create and an update become one ADDED.)
func TestCacherWatchFromEmptyList(t *testing.T) {
	ctx, _ := kittest.New(t)
	c, _, _ := cacherOn(t, ctx, 100)
	list := &corev1.NamespaceList{}
	if err := c.GetToList(ctx, "/namespaces/a", "0", storage.Everything, list); err != nil {
		t.Fatal(err)
	}
	if list.ResourceVersion == "" || list.ResourceVersion == "0" {
		t.Fatalf("a list of an empty storage is at resourceVersion %q; want one a watch can start from", list.ResourceVersion)
	}
	// Watches every change, so that once it has the last one the dispatch
	// has handed them all on: a watch started after that is sent them
	// from the ring only. (v1.7 sends a watch the changes the dispatch
	// still holds a second time.)
	all, err := c.WatchList(ctx, "/namespaces", list.ResourceVersion, storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Stop()
	created := create(t, c, "a")
	updated := &corev1.Namespace{}
	if err := c.GuaranteedUpdate(ctx, "/namespaces/a", updated, false, nil,
		func(obj runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
			obj.(*corev1.Namespace).Labels = map[string]string{"step": "2"}
			return obj, nil
		}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ADDED a " + created, "MODIFIED a " + updated.ResourceVersion}
	for _, want := range want {
		if e, _ := next(t, all); eventString(e) != want {
			t.Fatalf("watch of every change: %s; want %s", eventString(e), want)
		}
	}
	w, err := c.Watch(ctx, "/namespaces/a", list.ResourceVersion, storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, want := range want {
		if e, _ := next(t, w); eventString(e) != want {
			t.Errorf("watch from the list's resourceVersion %s: %s; want %s", list.ResourceVersion, eventString(e), want)
		}
	}
}
