// Package bearertoken authenticates a request by the token in its
// "Authorization: Bearer <token>" header, asking a token authenticator
// (such as package tokenfile's) who it belongs to. It mirrors
// k8s.io/apiserver/pkg/authentication/request/bearertoken (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/request/bearertoken/bearertoken.go).
//
// A request with no bearer token is not this authenticator's business
// (false, no error), so the next authenticator may try. A bearer token the
// token authenticator does not know is an error, [ErrInvalidToken]:
// kube-apiserver wraps its authenticators so that an error ends the
// search, and the request is answered 401 instead of falling through to
// the anonymous user.
//
// # Differences from upstream
//
//   - The error is exported as ErrInvalidToken, so tests can match it.
package bearertoken
