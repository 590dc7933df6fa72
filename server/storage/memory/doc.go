// Package memory is the default storage backend: an in-memory stand-in
// for etcd, so that the walkthrough and its tests need nothing installed.
// A [Backend] is one keyspace, shared by every resource of a server chain
// as etcd is; [New] gives one resource its storage.Interface on it.
//
// It keeps etcd's semantics where the API machinery depends on them:
//
//   - One revision for all keys: every create, update and delete moves it
//     on by one, and an object's resourceVersion is the revision that last
//     wrote it (etcd's ModRevision); a list's is the current revision.
//     Before any write it is 1, as an empty etcd's is, so the first write
//     is revision 2, and a list of an empty keyspace is at 1: a revision
//     a watch resumes from. (At 0, the list's resourceVersion would be
//     "", and a watch from it would send the current objects instead of
//     the changes: an informer that listed an empty watch cache would
//     see a create and an update made before its watch started as one
//     ADDED.)
//   - Objects are stored encoded, as the codec says, so every read is a
//     fresh copy and an update that encodes to what is stored writes
//     nothing: no new revision, no watch event.
//   - Writes are compare-and-swap on the key's revision, so
//     GuaranteedUpdate retries on a concurrent write as upstream's etcd3
//     store does.
//   - A watch from resourceVersion 0 (or "") sends the current objects as
//     ADDED events, then the changes; a watch from a version sends the
//     changes after it, replayed from the history.
//
// # Bounded history
//
// The history keeps the last [DefaultHistorySize] (1000) changes: a
// Backend compacts the oldest away as it goes, as an etcd run with
// --auto-compaction-mode=revision would, so that a long-running server
// does not keep every change it ever made. [Backend.Compact] compacts as
// etcd's Compact does. A watch from a revision compacted away gets one
// ERROR event, etcd3's 410 Expired "etcdserver: mvcc: required revision
// has been compacted", and its result channel closes, so that a client
// (the watch cache's reflector, an informer) lists again.
//
// # Goroutines
//
// Each watch runs one goroutine, "watchChan.run <key>", started with
// trace.Go from the context of the request that asked for it, so its
// span is a child of that request's. It ends, closing the watch's result
// channel, when Stop is called or after it sent an ERROR event. Nothing
// else in the package starts goroutines.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage/etcd3 (kubernetes-1.7.6): store.go (Get,
// Create, Delete, GuaranteedUpdate, GetToList, List, decode,
// checkPreconditions) and watcher.go (watchChan, its transform from etcd
// events to ADDED, MODIFIED and DELETED, outgoingBufSize, and its 410
// Expired for a compacted revision).
//
// # Differences from upstream
//
//   - It is not etcd: it lives in one process, so two API servers cannot
//     share it, and it is gone when the process ends.
//   - It compacts by count as it writes (see above); with etcd, v1.7's
//     compactor compacts every five minutes.
//   - One goroutine per watch; upstream's etcd3 watchChan has three
//     (run, startWatching, processEvent) around etcd's own watch stream.
//   - The goroutine ends on Stop, not when the request's context is done
//     as etcd3's does: the watch handler, which notices the client going
//     away first, stops it and waits for its result channel to close, so
//     that in the trace a watch's goroutine never outlives its request.
//   - Get and List ignore resourceVersion, as etcd3's do; the memory
//     backend is never behind.
//   - GuaranteedUpdate reads again when a suggestion turns out stale, as
//     etcd3 does since v1.7.16.
package memory
