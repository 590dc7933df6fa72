// Package storagetest is the test suite every storage backend passes: the
// in-memory one and etcd3 run the same [Run], so that the default the
// tour uses and the etcd a cluster uses behave alike, as upstream's etcd3
// store behaves at kubernetes-1.7.6 (store.go, watcher.go): one revision
// for every key, compare-and-swap writes, watches from a revision, and
// 410 Expired for a revision compaction forgot.
//
// A test states revisions relative to the first one it writes, so that
// the suite runs on an etcd that other tests wrote to before.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// Keyspace is one backend's keyspace, fresh for one test.
type Keyspace struct {
	// Store returns the storage of objects encoded with codec whose keys
	// are kept below prefix. Every store of a Keyspace shares its
	// revisions.
	Store func(codec runtime.Codec, prefix string) storage.Interface
	// Compact forgets the history before revision rev, as etcd's Compact
	// does.
	Compact func(ctx context.Context, rev int64) error
}

// Run runs the suite, each test on a Keyspace newKeyspace returns.
func Run(t *testing.T, newKeyspace func(t *testing.T) Keyspace) {
	tests := []struct {
		name string
		test func(t *testing.T, ks Keyspace)
	}{
		{"Create", testCreate},
		{"Get", testGet},
		{"GuaranteedUpdate", testGuaranteedUpdate},
		{"GuaranteedUpdateRetries", testGuaranteedUpdateRetries},
		{"Delete", testDelete},
		{"List", testList},
		{"ListEmpty", testListEmpty},
		{"Watch", testWatch},
		{"WatchSelector", testWatchSelector},
		{"WatchEnds", testWatchEnds},
		{"WatchCompacted", testWatchCompacted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newKeyspace(t)) })
	}
}

// Codec is the JSON codec of core v1 objects the suite stores.
func Codec() runtime.Codec {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	cf := serializer.NewCodecFactory(scheme).WithoutConversion()
	info, _ := runtime.SerializerInfoForMediaType(cf.SupportedMediaTypes(), runtime.ContentTypeJSON)
	return runtime.NewCodec(cf.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion),
		cf.DecoderToVersion(info.Serializer, corev1.SchemeGroupVersion))
}

// stores returns two stores of one keyspace, as two resources have.
func stores(ks Keyspace) (namespaces, configmaps storage.Interface) {
	codec := Codec()
	return ks.Store(codec, "/registry"), ks.Store(codec, "/registry")
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func namespace(name string, lbls map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls, UID: types.UID("uid-" + name)}}
}

func rv(t *testing.T, obj runtime.Object) int64 {
	t.Helper()
	v, err := storage.APIObjectVersioner{}.ObjectResourceVersion(obj)
	if err != nil {
		t.Fatal(err)
	}
	return int64(v)
}

func listRV(t *testing.T, list *corev1.NamespaceList) int64 {
	t.Helper()
	v, err := strconv.ParseInt(list.ResourceVersion, 10, 64)
	if err != nil {
		t.Fatalf("list resourceVersion %q: %v", list.ResourceVersion, err)
	}
	return v
}

// create stores a namespace and returns its revision.
func create(t *testing.T, s storage.Interface, name string, lbls map[string]string) int64 {
	t.Helper()
	out := &corev1.Namespace{}
	if err := s.Create(ctxFor(t), "/namespaces/"+name, namespace(name, lbls), out); err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	return rv(t, out)
}

func setLabels(s storage.Interface, ctx context.Context, name string, lbls map[string]string) (*corev1.Namespace, error) {
	out := &corev1.Namespace{}
	err := s.GuaranteedUpdate(ctx, "/namespaces/"+name, out, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
			ns := in.(*corev1.Namespace)
			ns.Labels = lbls
			return ns, nil
		})
	return out, err
}

// testCreate: a create's resourceVersion is the revision it made, shared
// by every resource; a taken key and an object with a resourceVersion are
// refused.
func testCreate(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, configmaps := stores(ks)
	first := create(t, namespaces, "a", nil)
	if first <= 0 {
		t.Fatalf("Create: resourceVersion %d; want a revision > 0", first)
	}
	if err := namespaces.Create(ctx, "/namespaces/a", namespace("a", nil), nil); !storage.IsNodeExist(err) {
		t.Errorf("second Create of /namespaces/a = %v; want a KeyExists error", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c"}}
	out := &corev1.ConfigMap{}
	if err := configmaps.Create(ctx, "/configmaps/ns/c", cm, out); err != nil || rv(t, out) != first+1 {
		t.Errorf("Create of a configmap = %v, resourceVersion %s; want %d, the next revision of the same keyspace",
			err, out.ResourceVersion, first+1)
	}
	withRV := namespace("b", nil)
	withRV.ResourceVersion = "7"
	err := namespaces.Create(ctx, "/namespaces/b", withRV, nil)
	if err == nil || err.Error() != "resourceVersion should not be set on objects to be created" {
		t.Errorf("Create with a resourceVersion = %v; want upstream's refusal", err)
	}
}

// testGet: an object carries the revision that last wrote it; a missing
// key is KeyNotFound, or a zero object when ignored.
func testGet(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	created := create(t, namespaces, "a", map[string]string{"x": "y"})
	got := &corev1.Namespace{}
	if err := namespaces.Get(ctx, "/namespaces/a", "", got, false); err != nil || rv(t, got) != created || got.Labels["x"] != "y" {
		t.Errorf("Get = %v, %+v; want the namespace at revision %d", err, got.ObjectMeta, created)
	}
	if err := namespaces.Get(ctx, "/namespaces/missing", "", got, false); !storage.IsNotFound(err) {
		t.Errorf("Get of a missing key = %v; want KeyNotFound", err)
	}
	got = namespace("stale", nil)
	if err := namespaces.Get(ctx, "/namespaces/missing", "", got, true); err != nil || got.Name != "" {
		t.Errorf("Get of a missing key, ignoreNotFound = %v, %q; want a zero object", err, got.Name)
	}
}

// testGuaranteedUpdate: an update writes a new revision; one that changes
// nothing writes nothing; preconditions hold or the update is refused; a
// missing key is created only when asked; tryUpdate's error comes back.
func testGuaranteedUpdate(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	created := create(t, namespaces, "a", nil)

	out, err := setLabels(namespaces, ctx, "a", map[string]string{"x": "y"})
	if err != nil || rv(t, out) != created+1 || out.Labels["x"] != "y" {
		t.Fatalf("update = %v, %+v; want label x=y at revision %d", err, out.ObjectMeta, created+1)
	}
	out, err = setLabels(namespaces, ctx, "a", map[string]string{"x": "y"})
	if err != nil || rv(t, out) != created+1 {
		t.Errorf("update that changes nothing = %v, resourceVersion %s; want %d: nothing written", err, out.ResourceVersion, created+1)
	}

	noop := func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) { return in, nil }
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/a", &corev1.Namespace{}, false, storage.NewUIDPreconditions("other"), noop)
	if !storage.IsInvalidObj(err) {
		t.Errorf("update with another uid as precondition = %v; want InvalidObj", err)
	}
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/missing", &corev1.Namespace{}, false, nil, noop)
	if !storage.IsNotFound(err) {
		t.Errorf("update of a missing key = %v; want KeyNotFound", err)
	}
	out = &corev1.Namespace{}
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/new", out, true, nil,
		func(in runtime.Object, res storage.ResponseMeta) (runtime.Object, error) {
			if res.ResourceVersion != 0 || in.(*corev1.Namespace).Name != "" {
				return nil, fmt.Errorf("tryUpdate got %+v at %d; want a zero object at 0", in, res.ResourceVersion)
			}
			return namespace("new", nil), nil
		})
	if err != nil || out.Name != "new" || rv(t, out) != created+2 {
		t.Errorf("update of a missing key, ignoreNotFound = %v, %q at %s; want it created at %d", err, out.Name, out.ResourceVersion, created+2)
	}
	refused := errors.New("refused")
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/a", &corev1.Namespace{}, false, nil,
		func(runtime.Object, storage.ResponseMeta) (runtime.Object, error) { return nil, refused })
	if err != refused {
		t.Errorf("update whose tryUpdate fails = %v; want its error", err)
	}
}

// testGuaranteedUpdateRetries: a write between GuaranteedUpdate's read
// and its write, or a stale suggestion, makes it read again and call
// tryUpdate again on what is stored.
func testGuaranteedUpdateRetries(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	created := create(t, namespaces, "a", nil)

	calls := 0
	out := &corev1.Namespace{}
	err := namespaces.GuaranteedUpdate(ctx, "/namespaces/a", out, false, nil,
		func(in runtime.Object, res storage.ResponseMeta) (runtime.Object, error) {
			calls++
			if calls == 1 { // another writer comes first
				if _, err := setLabels(namespaces, ctx, "a", map[string]string{"other": "writer"}); err != nil {
					return nil, err
				}
			}
			ns := in.(*corev1.Namespace)
			ns.Annotations = map[string]string{"mine": strconv.FormatUint(res.ResourceVersion, 10)}
			return ns, nil
		})
	want := strconv.FormatInt(created+1, 10)
	if err != nil || calls != 2 || out.Labels["other"] != "writer" || out.Annotations["mine"] != want || rv(t, out) != created+2 {
		t.Errorf("update raced by another = %v after %d calls, %+v; want 2 calls, both writes, the second based on %s, at %d",
			err, calls, out.ObjectMeta, want, created+2)
	}

	// stale is a copy of a as first created, as a lagging watch cache
	// would suggest it.
	stale := func() *corev1.Namespace {
		ns := namespace("a", nil)
		ns.ResourceVersion = strconv.FormatInt(created, 10)
		return ns
	}
	calls = 0
	out = &corev1.Namespace{}
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/a", out, false, nil,
		func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
			calls++
			ns := in.(*corev1.Namespace)
			ns.Annotations = map[string]string{"mine": "again"}
			return ns, nil
		}, stale())
	if err != nil || calls != 2 || out.Labels["other"] != "writer" || out.Annotations["mine"] != "again" {
		t.Errorf("update with a stale suggestion = %v after %d calls, %+v; want a retry on the stored object", err, calls, out.ObjectMeta)
	}

	// A stale suggestion is read again, as v1.7.16 does, when tryUpdate
	// finds it in conflict or changes nothing in it.
	current := rv(t, out)
	calls = 0
	out = &corev1.Namespace{}
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/a", out, false, nil,
		func(in runtime.Object, res storage.ResponseMeta) (runtime.Object, error) {
			if calls++; int64(res.ResourceVersion) != current {
				return nil, apierrors.NewConflict(schema.GroupResource{Resource: "namespaces"}, "a", errors.New("stale"))
			}
			return in, nil
		}, stale())
	if err != nil || calls != 2 || rv(t, out) != current {
		t.Errorf("update finding its stale suggestion in conflict = %v after %d calls, at %s; want a second call on %d",
			err, calls, out.ResourceVersion, current)
	}
	out = &corev1.Namespace{}
	err = namespaces.GuaranteedUpdate(ctx, "/namespaces/a", out, false, nil, noopUpdate, stale())
	if err != nil || out.Labels["other"] != "writer" || rv(t, out) != current {
		t.Errorf("no-op update of a stale suggestion = %v, %+v; want what is stored, at %d", err, out.ObjectMeta, current)
	}
}

func noopUpdate(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) { return in, nil }

// testDelete: a delete returns the object as it was, at the revision that
// last wrote it; preconditions hold or the delete is refused.
func testDelete(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	created := create(t, namespaces, "a", nil)
	out := &corev1.Namespace{}
	if err := namespaces.Delete(ctx, "/namespaces/a", out, storage.NewUIDPreconditions("other")); !storage.IsInvalidObj(err) {
		t.Errorf("Delete with another uid as precondition = %v; want InvalidObj", err)
	}
	if err := namespaces.Delete(ctx, "/namespaces/a", out, storage.NewUIDPreconditions("uid-a")); err != nil || out.Name != "a" || rv(t, out) != created {
		t.Errorf("Delete = %v, %q at %s; want a at %d", err, out.Name, out.ResourceVersion, created)
	}
	if err := namespaces.Delete(ctx, "/namespaces/a", out, nil); !storage.IsNotFound(err) {
		t.Errorf("Delete of a deleted key = %v; want KeyNotFound", err)
	}
	create(t, namespaces, "b", nil)
	if err := namespaces.Delete(ctx, "/namespaces/b", out, nil); err != nil || out.Name != "b" {
		t.Errorf("Delete without preconditions = %v, %q; want b", err, out.Name)
	}
}

// testList: a list holds the objects below the key (not those whose key
// merely starts with the same bytes) that the predicate selects, and the
// current revision.
func testList(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	create(t, namespaces, "a", map[string]string{"app": "x"})
	create(t, namespaces, "b", nil)
	other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "c"}}
	if err := namespaces.Create(ctx, "/namespacesX/c", other, other); err != nil {
		t.Fatal(err)
	}
	last := rv(t, other)

	list := &corev1.NamespaceList{}
	if err := namespaces.List(ctx, "/namespaces", "", storage.Everything, list); err != nil {
		t.Fatal(err)
	}
	if names := itemNames(list); names != "a b" || listRV(t, list) != last {
		t.Errorf("List /namespaces = %q at %s; want \"a b\" at %d", names, list.ResourceVersion, last)
	}
	selected := storage.Everything
	selected.Label = labels.SelectorFromSet(labels.Set{"app": "x"})
	list = &corev1.NamespaceList{}
	if err := namespaces.List(ctx, "/namespaces/", "", selected, list); err != nil || itemNames(list) != "a" {
		t.Errorf("List app=x = %v, %q; want a", err, itemNames(list))
	}
	list = &corev1.NamespaceList{}
	if err := namespaces.GetToList(ctx, "/namespaces/b", "", storage.Everything, list); err != nil || itemNames(list) != "b" || listRV(t, list) != last {
		t.Errorf("GetToList b = %v, %q at %s; want b at %d", err, itemNames(list), list.ResourceVersion, last)
	}
	list = &corev1.NamespaceList{}
	if err := namespaces.GetToList(ctx, "/namespaces/missing", "", storage.Everything, list); err != nil || len(list.Items) != 0 {
		t.Errorf("GetToList of a missing key = %v, %q; want an empty list", err, itemNames(list))
	}
}

// testListEmpty: a list with nothing in it, even of a keyspace nothing
// was ever written to, is at a revision (an empty etcd's is 1), and a
// watch from it sends every change after it. (A list at 0 would send the
// watch from 0: the current objects, where the changes were asked for.)
func testListEmpty(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	list := &corev1.NamespaceList{}
	if err := namespaces.List(ctx, "/namespaces", "", storage.Everything, list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 || listRV(t, list) < 1 {
		t.Fatalf("List of an empty keyspace = %q at %q; want nothing, at a revision", itemNames(list), list.ResourceVersion)
	}
	a := create(t, namespaces, "a", nil)
	updated, err := setLabels(namespaces, ctx, "a", map[string]string{"step": "2"})
	if err != nil {
		t.Fatal(err)
	}
	w := watchList(t, namespaces, list.ResourceVersion, storage.Everything)
	wantEvents(t, "from the empty list's revision", w,
		"ADDED a "+strconv.FormatInt(a, 10), "MODIFIED a "+updated.ResourceVersion)
}

func itemNames(list *corev1.NamespaceList) string {
	names := ""
	for i, item := range list.Items {
		if i > 0 {
			names += " "
		}
		names += item.Name
	}
	return names
}

// testWatch: a watch from 0 sends the objects there are as ADDED, then
// the changes; one from a revision sends the changes after it; a watch of
// one key sends only its changes; a DELETED object carries the revision
// that deleted it.
func testWatch(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	a := create(t, namespaces, "a", nil)
	b := create(t, namespaces, "b", nil)

	at := func(r int64) string { return strconv.FormatInt(r, 10) }
	// From 0, every object there is comes first, at the revision that
	// last wrote it. (Read before anything changes: etcd3's watch reads
	// them in a goroutine of its own, after Watch returns.)
	fromZero := watchList(t, namespaces, "0", storage.Everything)
	wantEvents(t, "from 0", fromZero, "ADDED a "+at(a), "ADDED b "+at(b))
	fromA := watchList(t, namespaces, strconv.FormatInt(a, 10), storage.Everything)
	justA, err := namespaces.Watch(ctx, "/namespaces/a", strconv.FormatInt(b, 10), storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer justA.Stop()
	if _, err := setLabels(namespaces, ctx, "b", map[string]string{"x": "y"}); err != nil {
		t.Fatal(err)
	}
	if err := namespaces.Delete(ctx, "/namespaces/a", &corev1.Namespace{}, nil); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "from 0", fromZero, "MODIFIED b "+at(b+1), "DELETED a "+at(b+2))
	wantEvents(t, "from a's revision", fromA, "ADDED b "+at(b), "MODIFIED b "+at(b+1), "DELETED a "+at(b+2))
	wantEvents(t, "of a alone", justA, "DELETED a "+at(b+2))

	_, err = namespaces.WatchList(ctx, "/namespaces", "abc", storage.Everything)
	if !storage.IsInvalidError(err) {
		t.Errorf("watch from resourceVersion abc = %v; want an InvalidError", err)
	}
}

// testWatchSelector: with a selector, an update that moves an object into
// the selection is ADDED, and out of it DELETED.
func testWatchSelector(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	a := create(t, namespaces, "a", nil)
	selected := storage.Everything
	selected.Label = labels.SelectorFromSet(labels.Set{"app": "x"})
	w := watchList(t, namespaces, strconv.FormatInt(a, 10), selected)
	for _, lbls := range []map[string]string{{"app": "x"}, {"app": "x", "more": "y"}, nil} {
		if _, err := setLabels(namespaces, ctx, "a", lbls); err != nil {
			t.Fatal(err)
		}
	}
	at := func(r int64) string { return strconv.FormatInt(r, 10) }
	wantEvents(t, "app=x", w, "ADDED a "+at(a+1), "MODIFIED a "+at(a+2), "DELETED a "+at(a+3))
}

// testWatchEnds: a watch ends, closing its result channel, when Stop is
// called. (etcd3's also ends when its context is done; the memory
// backend's on Stop only: see its package doc.)
func testWatchEnds(t *testing.T, ks Keyspace) {
	namespaces, _ := stores(ks)
	stopped := watchList(t, namespaces, "0", storage.Everything)
	stopped.Stop()
	wantClosed(t, "after Stop", stopped)
}

// testWatchCompacted: a watch from a revision compaction forgot gets one
// ERROR event, etcd's 410 Expired, and ends.
func testWatchCompacted(t *testing.T, ks Keyspace) {
	ctx := ctxFor(t)
	namespaces, _ := stores(ks)
	a := create(t, namespaces, "a", nil)
	for _, name := range []string{"b", "c"} {
		create(t, namespaces, name, nil)
	}
	// After compacting at a+2, the changes from a+2 on are known: a
	// watch may start after a+1, not after a.
	if err := ks.Compact(ctx, a+2); err != nil {
		t.Fatal(err)
	}
	fine := watchList(t, namespaces, strconv.FormatInt(a+1, 10), storage.Everything)
	wantEvents(t, "from the compacted revision", fine, "ADDED c "+strconv.FormatInt(a+2, 10))

	tooOld := watchList(t, namespaces, strconv.FormatInt(a, 10), storage.Everything)
	select {
	case e := <-tooOld.ResultChan():
		status, ok := e.Object.(*metav1.Status)
		if e.Type != watch.Error || !ok || status.Code != http.StatusGone || status.Reason != metav1.StatusReasonExpired ||
			status.Message != "etcdserver: mvcc: required revision has been compacted" {
			t.Errorf("watch from before the compaction: %s %+v; want ERROR, 410 Expired, etcd's message", e.Type, e.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch from before the compaction: no event; want an ERROR")
	}
	wantClosed(t, "after the ERROR event", tooOld)
}

func watchList(t *testing.T, s storage.Interface, rv string, p storage.SelectionPredicate) watch.Interface {
	t.Helper()
	w, err := s.WatchList(ctxFor(t), "/namespaces", rv, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// wantEvents reads len(want) events from w, each as "TYPE name rv".
func wantEvents(t *testing.T, what string, w watch.Interface, want ...string) {
	t.Helper()
	for _, wantEvent := range want {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch %s: closed; want %q", what, wantEvent)
			}
			got := string(e.Type)
			if ns, ok := e.Object.(*corev1.Namespace); ok {
				got += " " + ns.Name + " " + ns.ResourceVersion
			} else {
				got += fmt.Sprintf(" %+v", e.Object)
			}
			if got != wantEvent {
				t.Errorf("watch %s: event %q; want %q", what, got, wantEvent)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watch %s: no event; want %q", what, wantEvent)
		}
	}
}

func wantClosed(t *testing.T, what string, w watch.Interface) {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if ok {
			t.Errorf("watch %s: event %s %+v; want the result channel closed", what, e.Type, e.Object)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("watch %s: result channel still open", what)
	}
}
