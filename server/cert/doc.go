// Package cert makes the self-signed serving certificate kube-apiserver
// falls back to when it is given none (MaybeDefaultWithSelfSignedCerts),
// and reads PEM certificate files such as --client-ca-file. It mirrors
// GenerateSelfSignedCertKey, ParseCertsPEM, CertsFromFile and NewPool of
// k8s.io/client-go/util/cert (staging/src/k8s.io/client-go/util/cert/cert.go
// and pem.go), which our module may import only in tests.
//
// # Differences from upstream
//
//   - The key is ECDSA P-256, not RSA 2048: quicker to generate, and the
//     walkthrough makes one on every run.
//   - The result is a single self-signed certificate that is its own CA,
//     so one PEM both serves and is what a client trusts. Upstream's later
//     versions generate a separate CA and sign the serving certificate
//     with it, returning both certificates in certPEM.
//   - ParseCertsPEM's errors say which PEM block failed, and that no
//     CERTIFICATE block was found, instead of upstream's "data does not
//     contain any valid RSA or ECDSA certificates".
package cert
