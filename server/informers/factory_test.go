package informers_test

import (
	"testing"

	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStartRunsEachInformerUntilStopCh asks twice for the namespaces
// informer, starts the factory, and sees the informer fill its cache and,
// once stopCh closes, its goroutine end.
func TestStartRunsEachInformerUntilStopCh(t *testing.T) {
	ctx, rec := kittest.New(t)
	client := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	f := informers.NewSharedInformerFactory("test", client, 0)
	first := f.Namespaces()
	if second := f.InformerFor("namespaces", func() cache.SharedIndexInformer { return nil }); second != first {
		t.Fatal("InformerFor made a second informer for the same resource")
	}

	stopCh := make(chan struct{})
	f.Start(ctx, stopCh)
	f.Start(ctx, stopCh) // starts nothing more
	if synced := f.WaitForCacheSync(stopCh); !synced["namespaces"] {
		t.Fatalf("WaitForCacheSync = %v; want namespaces synced", synced)
	}
	if keys := first.GetStore().ListKeys(); len(keys) != 1 || keys[0] != "default" {
		t.Errorf("the informer's cache holds %q; want default", keys)
	}
	if st := rec.Kit.Stats(); st.GoroutinesStarted != 1 || st.Open[0].Name != "test informer: namespaces" {
		t.Errorf("Stats() = %+v; want one goroutine, the informer's", st)
	}
	close(stopCh)
	rec.Wait(t)
}
