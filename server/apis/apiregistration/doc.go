// Package apiregistration is the APIService of apiregistration.k8s.io
// v1beta1 as Kubernetes v1.7 has it, as plain Go types with its JSON
// shape, and its helpers: conditions, ordering by priority, and
// conversion from and to the unstructured objects the walkthrough stores
// and its dynamic clients carry.
//
// # Upstream
//
// k8s.io/kube-aggregator pkg/apis/apiregistration/v1beta1/types.go and
// pkg/apis/apiregistration/helpers.go at ce9c2644 (the copy in kubernetes
// v1.7.3).
//
// # Differences from upstream
//
//   - One version, no internal one: the types are v1beta1's, and there
//     are no generated deep copies, conversions or protobuf (the
//     walkthrough serves APIServices as JSON only). The module
//     k8s.io/kube-aggregator is not a dependency: its current v1beta1
//     types differ from v1.7's (spec.service.port, and service and
//     caBundle are omitted when empty).
package apiregistration
