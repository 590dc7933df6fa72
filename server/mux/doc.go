// Package mux is the path multiplexer every generic API server routes
// through: exact paths first, then prefixes (longest, most slashes first),
// then a not-found handler that, in a delegation chain, is the next
// server's. It mirrors k8s.io/apiserver/pkg/server/mux (v1.7,
// staging/src/k8s.io/apiserver/pkg/server/mux/pathrecorder.go).
//
// # Differences from upstream
//
//   - Registering a path twice panics (as http.ServeMux does, and as
//     upstream's mux does from v1.9 on); v1.7 logged the earlier caller's
//     stack and replaced the handler. Unregister is left out.
//   - When it serves a request by an exact or prefix match, the mux sets
//     the response header X-Kubewalk-Served-By to its name ([ServedByHeader]).
//     Upstream only logs the match at glog level 5; the header lets the tour
//     and the tests show which server of a delegation chain answered. The
//     not-found handler is not stamped: the next server stamps its own.
package mux
