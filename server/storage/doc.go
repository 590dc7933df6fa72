// Package storage is the interface between the registry and a storage
// backend: [Interface], with its [Versioner], [SelectionPredicate],
// [Preconditions] and [StorageError]s. Backends live in subpackages:
// memory (the default, an in-memory stand-in for etcd) and etcd3 (a real
// etcd); storagetest is the suite both pass.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage (kubernetes-1.7.6): interfaces.go,
// selection_predicate.go, errors.go, util.go (ParseWatchResourceVersion),
// and storage/etcd/api_object_versioner.go (APIObjectVersioner). Names,
// error codes and messages are upstream's.
//
// # Differences from upstream
//
//   - Methods take a context.Context (upstream: golang.org/x/net/context).
//   - No TTLs: Create takes no ttl and an UpdateFunc returns none (v1.7
//     uses them only for events, which we do not serve), so ResponseMeta
//     has only the ResourceVersion.
//   - SelectionPredicate has no IncludeUninitialized (initializers were
//     alpha in v1.7) and no IndexFields (the watch cache's triggers); a
//     nil GetAttrs means [DefaultClusterScopedAttr], which upstream
//     added later.
package storage
