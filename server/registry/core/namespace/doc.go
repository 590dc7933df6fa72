// Package namespace is the strategy of namespaces: what kube-apiserver
// does to a namespace before it is stored, and the rules it must meet.
//
// # Upstream
//
// kubernetes/kubernetes pkg/registry/core/namespace/strategy.go and
// ValidateNamespace in pkg/api/validation/validation.go (v1.7): a new
// namespace is Active with the "kubernetes" finalizer; its name is a
// DNS-1123 label (validation.ValidateNamespaceName), at most 63 lower
// case letters, digits and '-'; an update keeps the stored finalizers and
// status.
//
// # Differences from upstream
//
//   - Upstream's ValidateUpdate runs the generic metadata update checks a
//     second time, so some causes of a 422 are listed twice; ours lists
//     each once.
//   - No status or finalize subresources, and no namespace lifecycle:
//     deleting a namespace removes it at once (see package endpoints).
package namespace
