// Package registry is the generic REST storage of a resource: [Store]
// creates, gets, lists, updates, deletes and watches objects of one
// resource over a storage.Interface, runs the resource's strategies
// (package rest) around each write, and turns storage errors into the API
// Statuses clients see. [RESTOptionsGetter] says where each resource is
// stored; [MemoryRESTOptionsGetter] keeps them all on one in-memory
// backend, the default.
//
// # Upstream
//
// k8s.io/apiserver/pkg/registry/generic/registry/store.go (Store,
// CompleteWithOptions, NamespaceKeyFunc, NoNamespaceKeyFunc, the update
// flow with AllowUnconditionalUpdate and OptimisticLockErrorMsg),
// registry/generic/options.go (RESTOptions, RESTOptionsGetter),
// registry/generic/storage_decorator.go (UndecoratedStorage,
// NewRawStorage), registry/generic/registry/storage_factory.go
// (StorageWithCacher) and storage/errors/storage.go (the Interpret…
// functions), kubernetes-1.7.6.
//
// # Differences from upstream
//
//   - Methods take a context.Context carrying the request's namespace.
//   - Delete removes the object at once and returns it: no graceful
//     deletion, finalizers, garbage collection or DeleteCollection.
//   - Create on update as upstream, for the resources that allow it
//     (services and endpoints); no TTLs, export, Table conversion or
//     initializers.
//   - The decorators take a context (for the trace kit of the goroutines
//     a watch cache starts) and return an error where upstream exits with
//     glog.Fatalf; no trigger functions.
//   - A getter's RESTOptions may leave the codec to the Store's caller;
//     MemoryRESTOptionsGetter (ours) keeps everything on one in-memory
//     backend without a watch cache.
package registry
