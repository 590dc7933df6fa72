package etcd3_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/etcd3"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/etcdtest"
	"github.com/kubewalk/kubewalk/server/storage/storagetest"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/runtime"
)

// Every watch starts goroutines, and so does etcd's client: each must
// have ended when a test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSuite runs the suite the in-memory backend runs too, against a real
// etcd: each test below a prefix of its own, on one etcd.
func TestSuite(t *testing.T) {
	etcd := etcdtest.Start(t)
	client := etcd.Client()
	storagetest.Run(t, func(t *testing.T) storagetest.Keyspace {
		testPrefix := "/" + strings.ReplaceAll(t.Name(), "/", "-")
		return storagetest.Keyspace{
			Store: func(codec runtime.Codec, prefix string) storage.Interface {
				return etcd3.NewWithNoQuorumRead(client, codec, testPrefix+prefix)
			},
			Compact: func(ctx context.Context, rev int64) error {
				_, err := client.Compact(ctx, rev)
				return err
			},
		}
	})
}

// BenchmarkStorage runs the storage benchmarks the in-memory backend
// runs too, against a real etcd: each below a prefix of its own.
func BenchmarkStorage(b *testing.B) {
	etcd := etcdtest.Start(b)
	client := etcd.Client()
	runs := 0 // -count runs each benchmark again: each run writes below a prefix of its own
	storagetest.Bench(b, func(b *testing.B) storagetest.Keyspace {
		runs++
		testPrefix := "/" + strings.ReplaceAll(b.Name(), "/", "-") + "-" + strconv.Itoa(runs)
		return storagetest.Keyspace{
			Store: func(codec runtime.Codec, prefix string) storage.Interface {
				return etcd3.NewWithNoQuorumRead(client, codec, testPrefix+prefix)
			},
		}
	})
}

// TestWatchEndsWithItsContext checks etcd3's watch ends, closing its
// result channel, when its context is done, as upstream's does.
func TestWatchEndsWithItsContext(t *testing.T) {
	etcd := etcdtest.Start(t)
	s := etcd3.New(etcd.Client(), storagetest.Codec(), "/registry")
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.WatchList(ctx, "/namespaces", "0", storage.Everything)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, open := <-w.ResultChan(); open {
		t.Error("an event after the watch's context is done; want the result channel closed")
	}
}

// TestCompact checks the compactors' shared clock: of two API servers
// that know the same clock, the first to advance it compacts, the other
// adopts the clock; the first round only starts it.
func TestCompact(t *testing.T) {
	etcd := etcdtest.Start(t)
	a, b := etcd.Client(), etcd.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	timeA, revA, err := etcd3.Compact(ctx, a, 0, 0)
	if err != nil || timeA != 1 {
		t.Fatalf("first round of A = %d, %v; want the clock at 1", timeA, err)
	}
	timeB, _, err := etcd3.Compact(ctx, b, 0, 0)
	if err != nil || timeB != 1 {
		t.Fatalf("first round of B, which lost to A = %d, %v; want B to adopt the clock, 1", timeB, err)
	}
	put, err := a.Put(ctx, "/registry/k", "v")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := etcd3.Compact(ctx, a, timeA, revA); err != nil {
		t.Fatalf("second round of A: %v", err)
	}
	// revA is compacted: what was before it is gone, what came after is not.
	if _, err := a.Get(ctx, "/registry/k", clientv3.WithRev(revA-1)); !errors.Is(err, rpctypes.ErrCompacted) {
		t.Errorf("Get at %d after compacting at %d = %v; want ErrCompacted", revA-1, revA, err)
	}
	if _, err := a.Get(ctx, "/registry/k", clientv3.WithRev(put.Header.Revision)); err != nil {
		t.Errorf("Get at %d, after the compacted revision: %v", put.Header.Revision, err)
	}
}

// TestStartCompactor checks that a compactor runs every interval, that a
// process runs one per etcd cluster, and that the trace says nothing in
// v1.7 stops it.
func TestStartCompactor(t *testing.T) {
	etcd := etcdtest.Start(t)
	client := etcd.Client()
	ctx, rec := kittest.New(t)
	etcd3.StartCompactor(ctx, client, 50*time.Millisecond)
	etcd3.StartCompactor(ctx, etcd.Client(), time.Millisecond) // the same endpoints: none started

	getCtx, cancel := context.WithTimeout(ctx, kittest.Deadline)
	defer cancel()
	for {
		resp, err := client.Get(getCtx, "compact_rev_key")
		if err != nil {
			t.Fatal(err)
		}
		// Version 1 is the first round; 3 means the second compacted
		// and the third ran.
		if len(resp.Kvs) == 1 && resp.Kvs[0].Version >= 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	open := rec.Kit.Stats().Open
	if len(open) != 1 || open[0].Name != "compactor "+etcd.ClientURL || open[0].NeverStopped == "" {
		t.Errorf("open: %v; want one compactor, never stopped", open)
	}
	if !strings.Contains(rec.Logs(), "etcd: compacted rev (") {
		t.Errorf("no compaction logged:\n%s", rec.Logs())
	}
	rec.Kit.StopNeverStopped()
	rec.Wait(t)
}
