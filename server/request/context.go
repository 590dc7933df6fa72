package request

import (
	"context"
	"net/http"

	"github.com/kubewalk/kubewalk/server/authentication/user"
)

// LongRunningRequestCheck reports whether a request is long-running (a
// watch, a proxy, an exec): such requests are exempt from the request
// timeout and the in-flight limit.
type LongRunningRequestCheck func(r *http.Request, requestInfo *RequestInfo) bool

type key int

const (
	userKey key = iota
	requestInfoKey
	namespaceKey
	serverShutdownKey
)

// WithServerShutdownSignal returns a copy of parent that carries
// shuttingDown, the channel closed when the server stops accepting
// requests (modern's WithWatchTerminationDuringShutdown attaches it to a
// watch, so that the watch ends then).
func WithServerShutdownSignal(parent context.Context, shuttingDown <-chan struct{}) context.Context {
	return context.WithValue(parent, serverShutdownKey, shuttingDown)
}

// ServerShutdownSignalFrom returns the channel WithServerShutdownSignal
// attached to ctx, or nil: a channel never ready.
func ServerShutdownSignalFrom(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(serverShutdownKey).(<-chan struct{})
	return ch
}

// WithUser returns a copy of parent that carries u.
func WithUser(parent context.Context, u user.Info) context.Context {
	return context.WithValue(parent, userKey, u)
}

// UserFrom returns the user ctx carries, and whether it carries one.
func UserFrom(ctx context.Context) (user.Info, bool) {
	u, ok := ctx.Value(userKey).(user.Info)
	return u, ok
}

// WithRequestInfo returns a copy of parent that carries info.
func WithRequestInfo(parent context.Context, info *RequestInfo) context.Context {
	return context.WithValue(parent, requestInfoKey, info)
}

// RequestInfoFrom returns the RequestInfo ctx carries, and whether it
// carries one.
func RequestInfoFrom(ctx context.Context) (*RequestInfo, bool) {
	info, ok := ctx.Value(requestInfoKey).(*RequestInfo)
	return info, ok
}

// WithNamespace returns a copy of parent that carries the namespace a
// request addresses ("" for cluster-scoped resources).
func WithNamespace(parent context.Context, namespace string) context.Context {
	return context.WithValue(parent, namespaceKey, namespace)
}

// NamespaceFrom returns the namespace ctx carries, and whether it carries
// one.
func NamespaceFrom(ctx context.Context) (string, bool) {
	ns, ok := ctx.Value(namespaceKey).(string)
	return ns, ok
}

// NamespaceValue returns the namespace ctx carries, or "".
func NamespaceValue(ctx context.Context) string {
	ns, _ := NamespaceFrom(ctx)
	return ns
}
