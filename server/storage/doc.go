// Package storage is the interface between the registry and a storage
// backend: [Interface], with its [Versioner], [SelectionPredicate],
// [Preconditions] and [StorageError]s; and the watch cache, [Cacher], an
// Interface in front of a backend's. Backends live in subpackages: memory
// (the default, an in-memory stand-in for etcd) and etcd3 (a real etcd);
// storagetest is the suite both pass.
//
// # The watch cache
//
// A [Cacher] caches one resource: its reflector lists the backend once
// and then watches it, feeding a watch cache that holds the current
// objects and a ring of the last changes (100 by default). Writes, and
// reads that name no resourceVersion, go to the backend. Watches are
// served from the cache: however many clients watch, the backend has one
// watch per resource. A watch from a resourceVersion older than the ring
// gets 410 Gone "too old resource version". When the reflector's watch
// fails (etcd compacted what it had not read), the Cacher ends every
// client watch and lists again. A watcher that does not keep up is closed
// once the dispatch's time budget for it runs out.
//
// As in v1.7, a watch that starts while the dispatch still holds changes
// already in the ring is sent them twice, from the ring and again from
// the dispatch: a client may see an object older than one it was already
// sent. Upstream fixed that in v1.14 (kubernetes commit 1b436f1a, "Avoid
// going back in time in watchcache watchers");
// TestWatchRepeatsUndispatchedChanges shows it.
//
// Its goroutines — the reflector's loop "Cacher.startCaching <prefix>",
// "Cacher.dispatchEvents <prefix>", and the backend's watch under the
// reflector — are started with trace.Go, marked as never stopped: v1.7
// stops a Cacher only from its storage's DestroyFunc, which only tests
// call. So do the v1.9 and modern tours, although modern upstream (since
// v1.25) calls every DestroyFunc when Run returns: a difference the
// then-and-now chapter states. Each client watch runs "cacheWatcher.process <prefix>" until it
// is stopped.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage (kubernetes-1.7.6): interfaces.go,
// selection_predicate.go, errors.go, util.go (ParseWatchResourceVersion,
// ParseListResourceVersion, hasPathPrefix), storage/etcd/api_object_versioner.go
// (APIObjectVersioner), cacher.go, watch_cache.go and time_budget.go; and
// client-go's tools/cache/reflector.go (ListAndWatch), kubernetes-1.7.6.
// Names, error codes and messages are upstream's.
//
// # Differences from upstream
//
//   - Methods take a context.Context (upstream: golang.org/x/net/context).
//     NewCacherFromConfig takes one for the trace; the Cacher's goroutines
//     outlive it.
//   - No TTLs: Create takes no ttl and an UpdateFunc returns none (v1.7
//     uses them only for events, which we do not serve), so ResponseMeta
//     has only the ResourceVersion.
//   - SelectionPredicate has no IncludeUninitialized (initializers were
//     alpha in v1.7) and no IndexFields; a nil GetAttrs means
//     [DefaultClusterScopedAttr], which upstream added later.
//   - The Cacher has no trigger functions (v1.7 indexes the watchers of
//     pods and nodes by a field): every watcher gets a channel of 10.
//   - Waiting for the cache to be ready ends when the caller's context
//     does (upstream waits on a sync.Cond for as long as it takes, as
//     modern releases no longer do); the reflector's calls to the storage
//     end when the Cacher stops (upstream's use context.TODO).
//   - The dispatch's time budget is refilled when it is taken, by the
//     seconds since the last refill, instead of by a goroutine with a
//     ticker; a read waiting for a resourceVersion is woken by a timer
//     instead of a goroutine that sleeps.
//   - Lists from the cache are in key order, as etcd's are; upstream's
//     come in a map's order. Objects are deep-copied out of the cache.
//   - The reflector is the part of client-go's the Cacher uses: no resync,
//     no relist period. When it stops a watch, it waits for the watch to
//     end, so that once Stop returns nothing under the Cacher runs.
//   - Stop may be called more than once; and CacherConfig.Release lets a
//     test that stops a Cacher through the trace kit release its storage.
package storage
