// Package healthz serves /healthz: "ok" when every check passes, and one
// line per check when one fails. It mirrors
// k8s.io/apiserver/pkg/server/healthz (v1.7,
// staging/src/k8s.io/apiserver/pkg/server/healthz/healthz.go): the same
// checker interface, the same paths and the same response texts. The
// modern server's /livez and /readyz are the same handler at other paths
// (InstallPathHandlerWithHealthyFunc, and the shutdown check of /readyz:
// healthz.go at v1.36.0).
//
// # Differences from upstream
//
//   - DefaultHealthz, which installs on http.DefaultServeMux, is left out:
//     no package-level state.
package healthz
