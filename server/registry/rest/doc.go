// Package rest holds what every resource's REST storage does around a
// create and an update, and the strategies through which a resource adds
// its own rules: [BeforeCreate], [BeforeUpdate], [RESTCreateStrategy],
// [RESTUpdateStrategy], [UpdatedObjectInfo].
//
// # Upstream
//
// k8s.io/apiserver/pkg/registry/rest (kubernetes-1.7.6): create.go,
// update.go, meta.go; names.SimpleNameGenerator from pkg/storage/names;
// v1.7's RepairMalformedUpdates from
// k8s.io/apimachinery/pkg/api/validation/objectmeta.go.
//
// # Differences from upstream
//
//   - Functions take a context.Context, which carries the request's
//     namespace ([request.WithNamespace]); upstream's took its own
//     request.Context.
//   - BeforeCreate clears a resourceVersion sent with a new object;
//     upstream's storage refuses such a create with a 500.
//   - v1.7's metadata validation repaired malformed updates itself (an
//     empty uid, a changed creationTimestamp); apimachinery no longer
//     does, so BeforeUpdate does it before validating.
//   - No ClusterName, initializers or admission UIDs (v1.7 alpha
//     features), no delete or export strategies, no garbage collection.
//   - [MetadataStrategy] and [UnstructuredObjectTyper] are ours: the
//     strategy of a resource with no rules of its own.
package rest
