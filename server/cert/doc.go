// Package cert makes the self-signed serving certificate kube-apiserver
// falls back to when it is given none (MaybeDefaultWithSelfSignedCerts).
// It mirrors GenerateSelfSignedCertKey of k8s.io/client-go/util/cert
// (staging/src/k8s.io/client-go/util/cert/cert.go), which our module may
// import only in tests.
//
// # Differences from upstream
//
//   - The key is ECDSA P-256, not RSA 2048: quicker to generate, and the
//     walkthrough makes one on every run.
//   - The result is a single self-signed certificate that is its own CA,
//     so one PEM both serves and is what a client trusts. Upstream's later
//     versions generate a separate CA and sign the serving certificate
//     with it, returning both certificates in certPEM.
package cert
