package etcd3

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// DefaultCompactInterval is how often the compactor runs: v1.7's
	// compactInterval, a constant there (v1.9 made it the flag
	// --etcd-compaction-interval).
	DefaultCompactInterval = 5 * time.Minute
	// compactRevKey is the key whose Version the compactors of every API
	// server of a cluster use as their shared clock. It sits at the root
	// of etcd's keyspace, outside --etcd-prefix.
	compactRevKey = "compact_rev_key"
)

// neverStoppedCompactor is what the trace says of the compactor.
var neverStoppedCompactor = lang.N("v1.7 never calls the DestroyFunc of the storage that started the compactor: " +
	"it compacts every interval until the process exits")

var (
	endpointsMapMu sync.Mutex
	// endpointsMap holds the endpoints of the etcd clusters a compactor
	// of this process runs for.
	endpointsMap = map[string]struct{}{}
)

// StartCompactor starts the compactor of client's etcd cluster, unless
// one runs in this process for any of its endpoints: a goroutine that,
// every interval, compacts away the history older than one interval, so
// that etcd keeps the last few minutes of changes for watches to resume
// from. It runs until ctx is done, which in v1.7 is never.
func StartCompactor(ctx context.Context, client *clientv3.Client, interval time.Duration) {
	endpointsMapMu.Lock()
	defer endpointsMapMu.Unlock()
	endpoints := client.Endpoints()
	for _, ep := range endpoints {
		if _, ok := endpointsMap[ep]; ok {
			trace.Log(ctx).Debug().Msgf("compactor already exists for endpoints %v", endpoints)
			return
		}
	}
	for _, ep := range endpoints {
		endpointsMap[ep] = struct{}{}
	}
	name := "compactor " + strings.Join(endpoints, ",")
	ctx, stop := context.WithCancel(ctx) // for tests only: see trace.Kit.StopNeverStopped
	trace.Go(ctx, name, func(ctx context.Context) {
		compactor(ctx, client, interval)
		// Ours: a compactor that ended (only in tests) lets the next
		// storage of the same cluster start one again.
		endpointsMapMu.Lock()
		defer endpointsMapMu.Unlock()
		for _, ep := range endpoints {
			delete(endpointsMap, ep)
		}
	}, trace.NeverStopped(neverStoppedCompactor, stop))
}

// compactor compacts every interval, the first time after one interval,
// until ctx is done.
//
// The algorithm is upstream's: compact_rev_key's Version is a logical
// clock shared by the compactors of all API servers. Each round, a
// compactor that still knows the current clock advances it, in a
// transaction that fails if another advanced it first, and then compacts
// to the revision it saw one round earlier; one that lost adopts the
// clock and tries again next round. So each interval one of them
// compacts, whichever API servers are alive.
func compactor(ctx context.Context, client *clientv3.Client, interval time.Duration) {
	var compactTime, rev int64
	var err error
	ticks := time.NewTimer(interval)
	defer ticks.Stop()
	for {
		// A plain select: a tick every few minutes, for the life of the
		// process.
		select {
		case <-ticks.C:
		case <-ctx.Done():
			return
		}
		ticks.Reset(interval)
		compactTime, rev, err = compact(ctx, client, compactTime, rev)
		if err != nil {
			trace.Log(ctx).Error().Msgf("etcd: endpoint (%v) compact failed: %v", client.Endpoints(), err)
		}
	}
}

// compact advances compact_rev_key's Version from t, if it is still t, and
// then compacts to rev, the revision the previous round saw (none on the
// first round). It returns the clock and the current revision for the
// next round; losing the race to another compactor is no error.
func compact(ctx context.Context, client *clientv3.Client, t, rev int64) (int64, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// --8<-- [start:cas]
	resp, err := client.KV.Txn(ctx).If(
		clientv3.Compare(clientv3.Version(compactRevKey), "=", t),
	).Then(
		clientv3.OpPut(compactRevKey, strconv.FormatInt(rev, 10)), // moves its Version on
	).Else(
		clientv3.OpGet(compactRevKey),
	).Commit()
	// --8<-- [end:cas]
	if err != nil {
		return t, rev, err
	}
	curRev := resp.Header.Revision
	if !resp.Succeeded {
		curTime := resp.Responses[0].GetResponseRange().Kvs[0].Version
		return curTime, curRev, nil
	}
	curTime := t + 1
	if rev == 0 {
		return curTime, curRev, nil // the first round only starts the clock
	}
	if _, err := client.Compact(ctx, rev); err != nil {
		return curTime, curRev, err
	}
	trace.Log(ctx).Info().Msgf("etcd: compacted rev (%d), endpoints (%v)", rev, client.Endpoints())
	return curTime, curRev, nil
}
