// Package authorizerfactory holds the authorizers that need no
// configuration: AlwaysAllow and AlwaysDeny, the values of kube-apiserver's
// --authorization-mode of the same names. It mirrors
// k8s.io/apiserver/pkg/authorization/authorizerfactory (v1.7,
// staging/src/k8s.io/apiserver/pkg/authorization/authorizerfactory/builtin.go).
//
// # Differences from upstream
//
//   - AlwaysFail, the privileged-groups authorizer and the delegating
//     (SubjectAccessReview) authorizer are left out.
package authorizerfactory
