package nonblockingrun

import (
	"context"
	"net"
	"net/http"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"k8s.io/client-go/rest"
)

var (
	insecureHandlerGo = trace.UpstreamFile{
		Path: "pkg/kubeapiserver/server/insecure_handler.go", Ref: "v1.7.0", Chapter: "nonblockingrun",
	}
	upstreamBuildInsecureHandlerChain = insecureHandlerGo.Func("kubeserver.BuildInsecureHandlerChain")
	upstreamNonBlockingRun            = insecureHandlerGo.Func("kubeserver.NonBlockingRun")
	upstreamServeInsecurely           = insecureHandlerGo.Func("kubeserver.serveInsecurely")
)

// InsecureServingInfo says where the insecure port listens.
type InsecureServingInfo struct {
	// BindAddress is the host:port to listen on, e.g. 127.0.0.1:8080.
	BindAddress string
	// BindNetwork is tcp (the default when empty), tcp4 or tcp6.
	BindNetwork string
	// Listener, when not nil, is already bound and is served instead of
	// listening on BindAddress.
	Listener net.Listener
}

// BuildInsecureHandlerChain wraps apiHandler, the outermost server's
// Director, in the filters of the insecure port. Every request is
// authenticated as the insecure superuser and nothing is authorized: the
// port trusts whoever can reach it, which is why it binds to loopback.
//
// It is the twin of server.DefaultBuildHandlerChain (server/config.go),
// the secure port's chain, because upstream has the same two: the same
// filters in the same order, less authorization and impersonation, and
// with the insecure superuser as the authenticator.
func BuildInsecureHandlerChain(ctx context.Context, apiHandler http.Handler, c *server.Config) http.Handler {
	ctx, end := trace.Step(ctx, upstreamBuildInsecureHandlerChain)
	defer end(nil)

	// --8<-- [start:chain]
	handler := filters.WithAuthentication(apiHandler, insecureSuperuser{}, filters.Unauthorized())
	handler = filters.WithCORS(handler, c.CorsAllowedOriginList, nil, nil, nil, "true")
	handler = filters.WithPanicRecovery(handler)
	handler = filters.WithTimeoutForNonLongRunningRequests(handler, c.LongRunningFunc, c.RequestTimeout)
	handler = filters.WithMaxInFlightLimit(handler, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	handler = filters.WithRequestInfo(handler, c.RequestInfoResolver)
	handler = filters.WithTracing(handler)
	// --8<-- [end:chain]

	trace.Log(ctx).Info().
		Str(trace.LogNoteKey, lang.Say(ctx, "No authorization filter: every request on the insecure port acts as system:unsecured in system:masters.")).
		Msg(lang.Say(ctx, "built the insecure handler chain"))
	return handler
}

// insecureSuperuser authenticates every request as system:unsecured, a
// member of system:masters.
type insecureSuperuser struct{}

var _ authenticator.Request = insecureSuperuser{}

func (insecureSuperuser) AuthenticateRequest(*http.Request) (user.Info, bool, error) {
	return &user.DefaultInfo{
		Name:   "system:unsecured",
		Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated},
	}, true, nil
}

// NewLoopbackClientConfig returns the config of a client that reaches this
// insecure port from inside the process: plain http to the bind address
// (see server.LoopbackHostPort), QPS 50 and burst 100. As upstream, it
// takes a token and drops it: the insecure port authenticates everyone as
// system:unsecured, so the client sends none. It returns nil and no error
// when s is nil.
func (s *InsecureServingInfo) NewLoopbackClientConfig(token string) (*rest.Config, error) {
	if s == nil {
		return nil, nil
	}
	host, port, err := server.LoopbackHostPort(s.BindAddress)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		Host:  "http://" + net.JoinHostPort(host, port),
		QPS:   50,
		Burst: 100,
	}, nil
}
