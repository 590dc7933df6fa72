// Package x509 authenticates a request by its TLS client certificate: a
// certificate that chains to one of the trusted CAs (kube-apiserver's
// --client-ca-file) and is meant for client authentication names the
// user in its subject, the common name as the user name and the
// organizations as the groups. It mirrors
// k8s.io/apiserver/pkg/authentication/request/x509 (v1.7,
// staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go).
//
// The TLS handshake does not check the certificate: kube-apiserver asks
// for one (tls.RequestClientCert) without requiring or verifying it, so
// that a client without one can still use a token. This package does the
// check, request by request. A certificate that does not verify is an
// error, and the request is answered 401.
//
// # Differences from upstream
//
//   - Only the common-name conversion is kept; upstream also has
//     DNSNameUserConversion, EmailAddressUserConversion and a Verifier
//     used by the front proxy's request-header authentication.
//   - Errors are joined with errors.Join instead of utilerrors.NewAggregate.
package x509
