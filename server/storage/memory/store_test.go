package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
)

// Every watch starts a goroutine: each must have ended when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newStore(t *testing.T, history int) (storage.Interface, storage.Interface) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cf := serializer.NewCodecFactory(scheme).WithoutConversion()
	info, _ := runtime.SerializerInfoForMediaType(cf.SupportedMediaTypes(), runtime.ContentTypeJSON)
	codec := runtime.NewCodec(cf.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion),
		cf.DecoderToVersion(info.Serializer, corev1.SchemeGroupVersion))
	b := memory.NewBackend(history)
	return memory.New(b, codec, "/registry/namespaces"), memory.New(b, codec, "/registry/configmaps")
	// (each store its own prefix here, so the tests' keys stay short)
}

func namespace(name string, lbls map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
}

// TestRevisions checks etcd's semantics: one revision across all keys
// and resources, a write that changes nothing writes nothing, and a
// stale update is retried on the current object.
func TestRevisions(t *testing.T) {
	ctx := context.Background()
	namespaces, configmaps := newStore(t, 0)
	out := &corev1.Namespace{}
	if err := namespaces.Create(ctx, "/a", namespace("a", nil), out); err != nil || out.ResourceVersion != "1" {
		t.Fatalf("Create = %v, rv %q; want rv 1", err, out.ResourceVersion)
	}
	if err := namespaces.Create(ctx, "/a", namespace("a", nil), nil); !storage.IsNodeExist(err) {
		t.Errorf("second Create = %v; want KeyExists", err)
	}
	cm := &corev1.ConfigMap{}
	if err := configmaps.Create(ctx, "/ns/c", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, cm); err != nil || cm.ResourceVersion != "2" {
		t.Fatalf("Create of another resource = %v, rv %q; want rv 2", err, cm.ResourceVersion)
	}
	calls := 0
	err := namespaces.GuaranteedUpdate(ctx, "/a", out, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
		calls++
		return in, nil
	})
	if err != nil || out.ResourceVersion != "1" || calls != 1 {
		t.Errorf("no-op update = %v, rv %q; want rv 1: nothing written", err, out.ResourceVersion)
	}
	err = namespaces.GuaranteedUpdate(ctx, "/a", out, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
		ns := in.(*corev1.Namespace)
		ns.Labels = map[string]string{"x": "y"}
		return ns, nil
	})
	if err != nil || out.ResourceVersion != "3" || out.Labels["x"] != "y" {
		t.Errorf("update = %v, %+v; want rv 3 with label x=y", err, out.ObjectMeta)
	}
	if err := namespaces.Delete(ctx, "/a", out, storage.NewUIDPreconditions("other")); !storage.IsInvalidObj(err) {
		t.Errorf("Delete with a wrong uid = %v; want InvalidObj", err)
	}
	list := &corev1.NamespaceList{}
	if err := namespaces.List(ctx, "/", "", storage.Everything, list); err != nil || list.ResourceVersion != "3" || len(list.Items) != 1 {
		t.Errorf("List = %v, rv %q, %d items; want rv 3 and 1 item", err, list.ResourceVersion, len(list.Items))
	}
}

// TestWatch checks a watch from 0 (the current state, then changes), from
// a version (what changed after it), with a selector (an update out of
// the selection is DELETED), and from a version the history forgot (an
// ERROR event with a 410 Status).
func TestWatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	namespaces, _ := newStore(t, 3)
	for _, n := range []string{"a", "b"} {
		if err := namespaces.Create(ctx, "/"+n, namespace(n, map[string]string{"app": "x"}), nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := namespaces.WatchList(ctx, "/", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	selected := storage.Everything
	selected.Label = labels.SelectorFromSet(labels.Set{"app": "x"})
	fromOne, err := namespaces.WatchList(ctx, "/", "1", selected)
	if err != nil {
		t.Fatal(err)
	}
	out := &corev1.Namespace{}
	err = namespaces.GuaranteedUpdate(ctx, "/a", out, false, nil, func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
		ns := in.(*corev1.Namespace)
		ns.Labels = nil
		return ns, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, "from 0", all, "ADDED a 1", "ADDED b 2", "MODIFIED a 3")
	wantEvents(t, "from 1, app=x", fromOne, "ADDED b 2", "DELETED a 3")
	all.Stop()
	fromOne.Stop()

	for i := range 3 { // the history keeps 3 changes: revision 1 is forgotten
		namespaces.Create(ctx, "/c"+string(rune('0'+i)), namespace("c"+string(rune('0'+i)), nil), nil)
	}
	tooOld, err := namespaces.WatchList(ctx, "/", "1", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	e := <-tooOld.ResultChan()
	if status, ok := e.Object.(*metav1.Status); e.Type != watch.Error || !ok || status.Code != 410 ||
		status.Reason != metav1.StatusReasonGone || status.Message != "too old resource version: 1 (3)" {
		t.Errorf("watch from a forgotten version: %s %+v; want ERROR with 410 Gone too old resource version: 1 (3)", e.Type, e.Object)
	}
	if _, open := <-tooOld.ResultChan(); open {
		t.Error("the result channel is open after the ERROR event; want it closed")
	}
}

// wantEvents reads len(want) events from w, each as "TYPE name rv".
func wantEvents(t *testing.T, what string, w watch.Interface, want ...string) {
	t.Helper()
	for _, wantEvent := range want {
		select {
		case e := <-w.ResultChan():
			ns := e.Object.(*corev1.Namespace)
			if got := string(e.Type) + " " + ns.Name + " " + ns.ResourceVersion; got != wantEvent {
				t.Errorf("%s: event %q; want %q", what, got, wantEvent)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no event; want %q", what, wantEvent)
		}
	}
}
