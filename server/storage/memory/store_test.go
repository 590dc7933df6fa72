package memory_test

import (
	"context"
	"testing"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagetest"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Every watch starts a goroutine: each must have ended when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSuite runs the suite etcd3 runs too.
func TestSuite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storagetest.Keyspace {
		b := memory.NewBackend(0)
		return storagetest.Keyspace{
			Store: func(codec runtime.Codec, prefix string) storage.Interface { return memory.New(b, codec, prefix) },
			Compact: func(_ context.Context, rev int64) error {
				return b.Compact(rev)
			},
		}
	})
}

// TestHistorySize checks that a Backend keeps the last changes only, as
// etcd compacting by revision does: a watch from before them is told
// the revision was compacted.
func TestHistorySize(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := memory.NewBackend(2)
	s := memory.New(b, storagetest.Codec(), "/registry")
	for _, name := range []string{"a", "b", "c"} { // revisions 2, 3, 4 (an empty etcd is at 1): 2 is compacted
		if err := s.Create(ctx, "/namespaces/"+name, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Compact(2); err != memory.ErrCompacted {
		t.Errorf("Compact(2) after revision 2 was compacted = %v; want ErrCompacted", err)
	}
	if err := b.Compact(5); err != memory.ErrFutureRev {
		t.Errorf("Compact(5) at revision 4 = %v; want ErrFutureRev", err)
	}
	fromTwo, err := s.WatchList(ctx, "/namespaces", "2", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	if e := <-fromTwo.ResultChan(); e.Type != "ADDED" || e.Object.(*corev1.Namespace).Name != "b" {
		t.Errorf("watch from 2: %s %v; want ADDED b", e.Type, e.Object)
	}
	fromTwo.Stop()
}

// BenchmarkStorage runs the storage benchmarks etcd3 runs too.
func BenchmarkStorage(b *testing.B) {
	storagetest.Bench(b, func(*testing.B) storagetest.Keyspace {
		backend := memory.NewBackend(0)
		return storagetest.Keyspace{
			Store: func(codec runtime.Codec, prefix string) storage.Interface { return memory.New(backend, codec, prefix) },
		}
	})
}
