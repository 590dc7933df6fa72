// Package allocator hands out the items of a range — the offsets of a
// service IP range or of a node port range — and keeps which are taken in
// a bitmap, as kube-apiserver's does.
//
// # Upstream
//
// pkg/registry/core/service/allocator (bitmap.go, interfaces.go) and
// pkg/registry/core/rangeallocation at kubernetes v1.7.3.
//
// # Differences from upstream
//
//   - Upstream keeps the bitmap in etcd (/ranges/serviceips,
//     /ranges/servicenodeports) behind its etcd allocator, which is also
//     the RangeRegistry the repair loops read and write. [Memory] stands
//     for it: the same bitmap in memory, with a resource version that
//     counts its changes, so that a repair that read an old snapshot gets
//     the same conflict upstream's gets from etcd.
//   - Only the random scan strategy (upstream's NewAllocationMap); no
//     contiguous one.
package allocator
