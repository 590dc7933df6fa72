// Package union tries several authenticators in turn. It mirrors
// k8s.io/apiserver/pkg/authentication/request/union (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/request/union/union.go).
//
// # Differences from upstream
//
//   - Errors are joined with errors.Join instead of utilerrors.NewAggregate.
package union
