// Package etcd3 is the storage backend on a real etcd, through etcd's
// official Go client: [New] gives one resource its storage.Interface on a
// client, and [StartCompactor] keeps etcd's history short. The
// storagebackend factory builds both from --etcd-servers.
//
// What etcd holds and how the API machinery reads it:
//
//   - The key of an object is --etcd-prefix, then the key the registry
//     gives (/registry/namespaces/demo); the value is the encoded object,
//     without its resourceVersion.
//   - An object's resourceVersion is its key's ModRevision, the revision
//     of etcd's whole keyspace that last wrote it; a list's is the
//     revision etcd answered at. So resourceVersions grow across all
//     resources, and two API servers on one etcd agree on them.
//   - Create is a transaction that puts only if the key was never
//     modified; GuaranteedUpdate and a Delete with preconditions put or
//     delete only if the ModRevision is still the one read, and read
//     again otherwise.
//   - A watch is etcd's watch from the revision after the one asked for,
//     with each event's previous value, so that a DELETED event carries
//     the object deleted and a selector can tell when an object leaves
//     it. From revision 0 it first lists what is there.
//   - The compactor, one per cluster per process, compacts every five
//     minutes what is older than the previous round; a watch from a
//     revision compacted away gets one ERROR event, 410 Expired
//     "etcdserver: mvcc: required revision has been compacted".
//
// # While etcd cannot be reached
//
// A call waits for etcd until its context ends: the request's, or
// callTimeout. An open watch sends nothing and stays open; etcd's client
// reconnects and resumes it from the revision it had reached, so nothing
// is missed and no ERROR event is sent. This is v1.7's behaviour.
//
// # Goroutines
//
// Each watch runs three, as upstream's: "watchChan.run <key>" starts
// "watchChan.startWatching <key>" (reads etcd's watch) and
// "watchChan.processEvent <key>" (decodes and sends), and ends both before
// it closes the result channel. The compactor is one goroutine,
// "compactor <endpoints>", which v1.7 never stops (the trace says so).
// etcd's client runs goroutines of its own, not traced, until it is
// closed.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage/etcd3 at kubernetes-1.7.6: store.go,
// watcher.go, event.go, compact.go. The etcd client v1.7 vendors is
// github.com/coreos/etcd/clientv3 v3.1.5; ours is go.etcd.io/etcd/client/v3
// v3.6.16, which speaks to etcd 3.4 servers (Debian's).
//
// # Differences from upstream
//
//   - Every call but a watch has a deadline, callTimeout (a minute), or
//     the request's context's end, whichever comes first; v1.7's calls
//     waited for etcd as long as it took.
//   - GuaranteedUpdate reads the stored object again when a suggestion
//     (the watch cache's copy) turns out stale, as v1.7.16 does; v1.7.6
//     answered 409 Conflict or skipped the write.
//   - No value transformers (encryption at rest), no TTLs (v1.7 uses them
//     for events only, which we do not serve), no etcd2.
//   - The compactor's interval is a parameter (v1.9's
//     --etcd-compaction-interval, which we do not add as a flag: the
//     default is v1.7's constant), each of its calls has a deadline, and
//     a compactor that ended lets another start for the same cluster
//     (only tests end one).
//   - The client logs nothing (a no-op logger): etcd's client writes JSON
//     warnings to stderr by default.
package etcd3
