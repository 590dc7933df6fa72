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
//   - Objects are stored encoded (JSON), so every read is a fresh copy and
//     an update that encodes to what is stored writes nothing: no new
//     revision, no watch event.
//   - Writes are compare-and-swap on the key's revision, so
//     GuaranteedUpdate retries on a concurrent write as upstream's etcd3
//     store does.
//   - A watch from resourceVersion 0 (or "") sends the current objects as
//     ADDED events, then the changes; a watch from a version sends the
//     changes after it, replayed from the history.
//
// # Bounded history
//
// The history keeps the last [DefaultHistorySize] (100) changes, the size
// of v1.7's default watch cache (--default-watch-cache-size). It is
// bounded so that a long-running server does not keep every change it
// ever made, as etcd compacts its history. A watch from a version older
// than the history reaches gets one ERROR event, a 410 Gone Status "too
// old resource version: <asked> (<oldest it can serve>)", and its result
// channel closes, so that a client such as an informer lists again. A
// watch that falls behind by more than the history (a slow reader) ends
// the same way.
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
// events to ADDED, MODIFIED and DELETED, outgoingBufSize); the bounded
// history and its error after storage/watch_cache.go.
//
// # Differences from upstream
//
//   - In v1.7 the bounded window and the 410 Gone "too old resource
//     version" belong to the watch cache (the Cacher), which answers
//     watches by default. etcd itself keeps every revision until the
//     compactor runs (every 5 minutes) and reports a compacted one as 410
//     Expired "etcdserver: mvcc: required revision has been compacted".
//     Until there is a Cacher here, the memory backend answers as the
//     Cacher would.
//   - One goroutine per watch; upstream's etcd3 watchChan has three
//     (run, startWatching, processEvent) around etcd's own watch stream.
//   - The goroutine ends on Stop, not when the request's context is done
//     as etcd3's does: the watch handler, which notices the client going
//     away first, stops it and waits for its result channel to close, so
//     that in the trace a watch's goroutine never outlives its request.
//   - Values are JSON; v1.7 stores protobuf in etcd3 by default.
//   - Get, List and Watch ignore resourceVersion as a lower bound: the
//     memory backend is never behind.
package memory
