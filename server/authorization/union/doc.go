// Package union asks several authorizers in turn, as kube-apiserver does
// with the modes of --authorization-mode. It mirrors
// k8s.io/apiserver/pkg/authorization/union (v1.7,
// staging/src/k8s.io/apiserver/pkg/authorization/union/union.go).
//
// # Differences from upstream
//
//   - Errors are joined with errors.Join instead of utilerrors.NewAggregate.
package union
