// Package anonymous authenticates every request as the anonymous user. It
// mirrors k8s.io/apiserver/pkg/authentication/request/anonymous (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/request/anonymous/anonymous.go);
// kube-apiserver puts it last in its union of authenticators when
// --anonymous-auth is true.
package anonymous
