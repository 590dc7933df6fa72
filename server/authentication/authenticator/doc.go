// Package authenticator defines how a request is turned into a user:
// [Request] looks at the whole request (client certificate, headers),
// [Token] at a bearer token. It mirrors
// k8s.io/apiserver/pkg/authentication/authenticator (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/authenticator/interfaces.go),
// with the v1.7 signatures: no context argument, (user, ok, err) results.
//
// # Differences from upstream
//
//   - The Password interface (basic auth) is left out.
package authenticator
