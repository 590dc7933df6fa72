// Package user describes who made a request: the [Info] an authenticator
// returns and the authorizer decides on. It mirrors
// k8s.io/apiserver/pkg/authentication/user (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/user/user.go), with the
// same well-known user and group names.
//
// # Differences from upstream
//
//   - None in behaviour; only the constants the miniature uses or a
//     later chapter will need are kept.
package user
