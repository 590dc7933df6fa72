// Package options is the first step of the walk: the options of
// kube-apiserver, their defaults and their flags. main builds a
// [ServerRunOptions] with [NewServerRunOptions], registers its flags with
// [ServerRunOptions.AddFlags], parses the command line and hands the result
// to app.Run.
//
// # Upstream
//
// cmd/kube-apiserver/app/options/options.go (NewServerRunOptions, AddFlags)
// and validation.go (Validate) at v1.7.0; the option groups come from
// k8s.io/apiserver/pkg/server/options (generic) and pkg/kubeapiserver/options
// (kube-apiserver's own).
//
// # What you will see
//
// Two step spans, options.NewServerRunOptions and
// options.ServerRunOptions.AddFlags; no goroutines, no channels.
//
// # Differences from upstream
//
//   - All twelve option groups live in this one package and keep only the
//     fields the later steps read; upstream spreads them over three packages.
//   - NewServerRunOptions and AddFlags take a context, for the trace.
//   - --bind-address defaults to 127.0.0.1, not 0.0.0.0: the walkthrough
//     binds to loopback unless a flag says otherwise.
//   - --cert-dir defaults to empty, which keeps the generated self-signed
//     certificate in memory; upstream writes it to /var/run/kubernetes.
//   - --etcd-servers is accepted but not required, and nothing connects to
//     etcd: objects are stored in memory.
//   - Each flag is annotated with its option group, so --help can list
//     the flags group by group as modern kube-apiserver does.
//   - Authentication has --anonymous-auth, --client-ca-file and
//     --token-auth-file only; authorization has the modes AlwaysAllow,
//     AlwaysDeny and ABAC (no RBAC, Node or Webhook).
//   - Validate reads the token, client CA and policy files and checks
//     that ABAC and --authorization-policy-file come together; upstream
//     finds these problems later, while building the authenticator and
//     authorizer, and fails with a single error.
//   - With anonymous requests off (--anonymous-auth=false, or reset by
//     ApplyAuthorization under AlwaysAllow, the default) and no
//     authenticator, every request to the secure port is refused (401).
//     Upstream turns authentication off when it has no authenticator at
//     all, but by default it has one: service-account tokens, whose key
//     defaults to the TLS key. So a default upstream also answers a
//     request without credentials with 401.
//   - --cors-allowed-origins refuses an empty pattern, which matches every
//     origin, and a pattern not pinned to the host ('^' or '//' at the
//     start, '$' or ':' at the end): the rule kube-apiserver added in
//     v1.27 against CVE-2022-1996, where "example.com" also let in
//     "https://example.com.evil.org". v1.7 accepted both. Matching stays
//     v1.7's: an unanchored regular expression.
//   - --tls-min-version refuses VersionTLS10 and VersionTLS11, and
//     --tls-cipher-suites the suites Go considers insecure; upstream
//     accepts both. A cipher suite list without an AES-128-GCM suite,
//     which HTTP/2 needs, is a validation error; upstream fails once it
//     starts serving. A TLS 1.3 suite in --tls-cipher-suites is refused:
//     Go offers all three TLS 1.3 suites itself and ignores them in that
//     list. v1.7 did not know their names; modern kube-apiserver accepts
//     them and they do nothing.
package options
