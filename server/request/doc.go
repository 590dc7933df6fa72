// Package request is what the filters learn about a request and pass on
// in its context: the [RequestInfo] parsed from its URL (verb, resource,
// namespace, …) and the user who made it. It mirrors
// k8s.io/apiserver/pkg/endpoints/request (v1.7,
// staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go,
// context.go and requestcontext.go).
//
// # Differences from upstream
//
//   - Values travel in the request's own context.Context (r.Context()),
//     which Go has had since 1.7; upstream v1.7 kept a RequestContextMapper,
//     a map from *http.Request to its own Context type, because Kubernetes
//     still supported older Go. The mapper and its filter
//     (WithRequestContext) are gone.
//   - RequestInfoResolver is the interface upstream added in v1.8; v1.7
//     passed *RequestInfoFactory around.
//   - Only the user and the RequestInfo are carried; namespace, UID,
//     user agent and audit event helpers are left out.
package request
