// Package authorizer defines how a request is allowed or forbidden: an
// [Authorizer] decides on the [Attributes] of a request (who, which verb,
// which resource or path). It mirrors
// k8s.io/apiserver/pkg/authorization/authorizer (v1.7,
// staging/src/k8s.io/apiserver/pkg/authorization/authorizer/interfaces.go),
// with the v1.7 signature Authorize(a) (authorized bool, reason string, err error).
//
// # Differences from upstream
//
//   - RequestAttributesGetter is left out.
package authorizer
