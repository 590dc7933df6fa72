// Package group adds the group system:authenticated to every user an
// authenticator accepts, except the anonymous user, so that a policy can
// speak of "everyone who logged in". It mirrors
// k8s.io/apiserver/pkg/authentication/group (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/group/authenticated_group_adder.go);
// kube-apiserver wraps its union of authenticators in it.
//
// # Differences from upstream
//
//   - The generic GroupAdder, which adds any fixed groups, is left out.
package group
