// Package serverstorage is the storage factory: [DefaultStorageFactory]
// says, for each resource, where its objects are stored and how they are
// encoded there: a storagebackend.Config with the etcd servers (or a
// per-resource override of them), the key prefix, and a codec that writes
// the resource's storage version in the configured media type and reads
// any media type back. kube-apiserver's config step builds one from the
// etcd options (BuildStorageFactory), and the registry's stores get their
// storage through it.
//
// # Upstream
//
// k8s.io/apiserver/pkg/server/storage at kubernetes-1.7.6 (imported there
// as serverstorage): storage_factory.go (StorageFactory,
// DefaultStorageFactory, NewConfig, ResourcePrefix, SetEtcdLocation, the
// special resource prefixes), storage_codec.go (NewStorageCodec) and
// resource_encoding_config.go.
//
// # Differences from upstream
//
//   - There is no internal version: objects are kept in memory in the
//     version they are stored in, which ResourceEncodingConfig gives per
//     group.
//   - Overrides are etcd servers only (--etcd-servers-overrides): no
//     per-resource prefixes, serializers, transformers, cohabiting
//     resources (v1.7 pairs deployments of extensions and apps, which we
//     do not serve) or API resource config.
//   - NewConfig takes a context, for the trace.
//   - No Backends: it lists the etcd servers for componentstatuses, which
//     we do not serve.
package serverstorage
