package storagetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Bench runs the storage benchmarks on a Keyspace newKeyspace returns,
// one per benchmark: a create, a get, a list of 100 namespaces, and the
// latency of a watch event (a write, until its event arrives). The
// Performance page compares the backends by them.
func Bench(b *testing.B, newKeyspace func(b *testing.B) Keyspace) {
	codec := Codec()
	ctx := context.Background()
	b.Run("create", func(b *testing.B) {
		s := newKeyspace(b).Store(codec, "/registry")
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			name := "ns-" + strconv.Itoa(i)
			if err := s.Create(ctx, "/namespaces/"+name, benchNamespace(name), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		s := newKeyspace(b).Store(codec, "/registry")
		if err := s.Create(ctx, "/namespaces/a", benchNamespace("a"), nil); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Get(ctx, "/namespaces/a", "", &corev1.Namespace{}, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-100", func(b *testing.B) {
		s := newKeyspace(b).Store(codec, "/registry")
		for i := range 100 {
			name := "ns-" + strconv.Itoa(i)
			if err := s.Create(ctx, "/namespaces/"+name, benchNamespace(name), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			list := &corev1.NamespaceList{}
			if err := s.List(ctx, "/namespaces", "", storage.Everything, list); err != nil || len(list.Items) != 100 {
				b.Fatalf("List = %v, %d items; want 100", err, len(list.Items))
			}
		}
	})
	b.Run("watch-event", func(b *testing.B) {
		s := newKeyspace(b).Store(codec, "/registry")
		if err := s.Create(ctx, "/namespaces/a", benchNamespace("a"), nil); err != nil {
			b.Fatal(err)
		}
		w, err := s.Watch(ctx, "/namespaces/a", "", storage.Everything)
		if err != nil {
			b.Fatal(err)
		}
		defer w.Stop()
		if e := <-w.ResultChan(); e.Type != "ADDED" { // the object as it is
			b.Fatalf("first event %s; want ADDED", e.Type)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			value := strconv.Itoa(i)
			err := s.GuaranteedUpdate(ctx, "/namespaces/a", &corev1.Namespace{}, false, nil,
				func(in runtime.Object, _ storage.ResponseMeta) (runtime.Object, error) {
					ns := in.(*corev1.Namespace)
					ns.Labels = map[string]string{"i": value}
					return ns, nil
				})
			if err != nil {
				b.Fatal(err)
			}
			select {
			case e := <-w.ResultChan():
				if ns, ok := e.Object.(*corev1.Namespace); !ok || ns.Labels["i"] != value {
					b.Fatalf("event %s %v; want MODIFIED with i=%s", e.Type, e.Object, value)
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no event for update %d", i)
			}
		}
	})
}

func benchNamespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench"}}}
}
