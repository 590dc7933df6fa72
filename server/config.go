package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/request/bearertoken"
	"github.com/kubewalk/kubewalk/server/authentication/request/union"
	"github.com/kubewalk/kubewalk/server/authentication/token/tokenfile"
	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
	"github.com/kubewalk/kubewalk/server/authorization/authorizerfactory"
	authzunion "github.com/kubewalk/kubewalk/server/authorization/union"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/trace"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/uuid"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

const (
	// DefaultLegacyAPIPrefix is where the legacy core group is served.
	DefaultLegacyAPIPrefix = "/api"
	// APIGroupPrefix is where the named API groups are served.
	APIGroupPrefix = "/apis"
)

// Config configures a GenericAPIServer. Build it with NewConfig, set what
// the options say, then call Complete and New. Its fields are those of
// upstream's Config that the startup story uses.
type Config struct {
	// SecureServingInfo says where and how to serve HTTPS; nil means the
	// server does not serve at all (NonBlockingRun only runs the hooks).
	SecureServingInfo *SecureServingInfo

	// LoopbackClientConfig is a config for a privileged client of the
	// server from inside the process: the secure port with a bearer token
	// that Complete makes system:apiserver, or else the insecure port. New
	// refuses a nil one.
	LoopbackClientConfig *rest.Config
	// DisabledPostStartHooks are hook names AddPostStartHook ignores.
	DisabledPostStartHooks sets.Set[string]
	// SharedInformerFactory, when not nil, holds the informers of the
	// server's own clients (admission's, upstream); New registers the
	// hook generic-apiserver-start-informers, which starts them, unless a
	// delegate's server registered it already.
	SharedInformerFactory *informers.SharedInformerFactory

	// Authenticator says who made a request; nil turns authentication off.
	Authenticator authenticator.Request
	// Authorizer decides whether a request may proceed; nil turns
	// authorization off.
	Authorizer authorizer.Authorizer
	// CorsAllowedOriginList are the origin patterns (regular expressions)
	// allowed cross-origin requests; empty means no CORS headers at all.
	CorsAllowedOriginList []string

	// EnableIndex serves / (and /index.html): the listed paths of the
	// whole delegation chain.
	EnableIndex bool
	// EnableDiscovery serves /apis: the API groups of this server.
	EnableDiscovery bool
	// EnableProfiling serves Go's profiler at /debug/pprof/.
	EnableProfiling bool
	// SlowRequests, when not nil, serves /debug/walkthrough/slow, a
	// request answered only once SlowRequests is closed (ours, for
	// --break=slow-request: the walkthrough closes it after the listeners).
	SlowRequests <-chan struct{}
	// Version, when not nil, is served at /version.
	Version *version.Info

	// ExternalAddress is the host:port clients outside the cluster use
	// for this server; Complete derives it from PublicAddress if empty.
	ExternalAddress string
	// PublicAddress is the IP the server advertises to the cluster.
	PublicAddress net.IP
	// ReadWritePort is the port on PublicAddress; upstream's default is 443,
	// and the secure serving options set it to the secure port.
	ReadWritePort int

	// BuildHandlerChainFunc wraps the server's routing (apiHandler) in
	// filters; DefaultBuildHandlerChain by default.
	BuildHandlerChainFunc func(apiHandler http.Handler, c *Config) (secure http.Handler)
	// HealthzChecks are the checks /healthz runs; more may be added with
	// AddHealthzChecks until PrepareRun.
	HealthzChecks []healthz.HealthzChecker
	// LegacyAPIGroupPrefixes are the prefixes InstallLegacyAPIGroup
	// accepts, and those RequestInfo parsing treats as groupless.
	LegacyAPIGroupPrefixes sets.Set[string]
	// RequestInfoResolver parses request URLs for the filters; Complete
	// sets it from LegacyAPIGroupPrefixes when nil (a field since v1.8).
	RequestInfoResolver request.RequestInfoResolver

	// RequestTimeout is how long a request that is not long-running may
	// take before it is answered 504.
	RequestTimeout time.Duration
	// MinRequestTimeout is, in seconds, the least time a watch without
	// timeoutSeconds is given; it gets a random time between it and twice
	// it (--min-request-timeout).
	MinRequestTimeout int
	// MaxRequestsInFlight and MaxMutatingRequestsInFlight bound the reads
	// and the other requests served at once; 0 means no bound.
	MaxRequestsInFlight         int
	MaxMutatingRequestsInFlight int
	// LongRunningFunc tells long-running requests, which are exempt from
	// RequestTimeout and the in-flight limits.
	LongRunningFunc request.LongRunningRequestCheck

	// RESTOptionsGetter says where each installed resource is stored.
	// NewConfig sets it to one new in-memory backend, which copies of the
	// Config (the other servers of the chain) share, as they share etcd.
	RESTOptionsGetter registry.RESTOptionsGetter

	// Era is the release whose generic server New builds (see [Era]);
	// the zero value is v1.7.
	Era Era

	// HandlerChainWaitGroup counts the requests in flight that are not
	// long-running: from v1.9, the filter WithWaitGroup adds each, and
	// v1.9's Run waits for them once stopCh is closed. Modern calls it
	// NonLongRunningRequestWaitGroup. NewConfig sets both; copies of the
	// Config share them, as the servers of a chain share one handler.
	HandlerChainWaitGroup          *utilwaitgroup.SafeWaitGroup
	NonLongRunningRequestWaitGroup *utilwaitgroup.SafeWaitGroup
	// WatchRequestWaitGroup counts the active watches when
	// ShutdownWatchTerminationGracePeriod is more than 0 (modern).
	WatchRequestWaitGroup *utilwaitgroup.RateLimitedSafeWaitGroup

	// ShutdownDelayDuration (modern, --shutdown-delay-duration) is how
	// long, once the signal came, the server keeps serving as before
	// while /readyz fails, so that load balancers stop sending it
	// traffic; 0 by default.
	ShutdownDelayDuration time.Duration
	// ShutdownWatchTerminationGracePeriod (modern,
	// --shutdown-watch-termination-grace-period) is how long the shutdown
	// waits for the active watches, which it ends once the server stops
	// accepting requests; 0, the default, neither ends nor waits for any.
	ShutdownWatchTerminationGracePeriod time.Duration
	// ShutdownSendRetryAfter (modern, --shutdown-send-retry-after) keeps
	// the listener open until the requests in flight have drained,
	// answering new ones 429 with Retry-After; by default the listener
	// closes first, and the drain follows.
	ShutdownSendRetryAfter bool

	// lifecycleSignals are the modern server's named events of its
	// shutdown; the servers of a chain share them, as copies of one
	// Config. See lifecycle_signals.go.
	lifecycleSignals lifecycleSignals
}

// SecureServingInfo says where and how a server serves HTTPS.
type SecureServingInfo struct {
	// BindAddress is the host:port to listen on, e.g. 0.0.0.0:6443.
	BindAddress string
	// BindNetwork is tcp (the default when empty), tcp4 or tcp6.
	BindNetwork string
	// Listener, when not nil, is already bound and is served instead of
	// listening on BindAddress (ours: tests and the tour pre-bind ports).
	Listener net.Listener
	// Cert is the serving certificate, used when no SNICerts entry
	// matches the name a client asks for; it must be set.
	Cert *tls.Certificate
	// SNICerts are more certificates, by the server name they are for:
	// a client that asks for that name over SNI gets that certificate.
	// The loopback client's is one (LoopbackClientServerNameOverride).
	SNICerts map[string]*tls.Certificate
	// ClientCA, when set, makes the server ask clients for a certificate
	// signed by one of its CAs (but not require one).
	ClientCA *x509.CertPool
	// MinTLSVersion overrides the lowest TLS version, TLS 1.2 by default.
	MinTLSVersion uint16
	// CipherSuites overrides Go's cipher suites when not empty.
	CipherSuites []uint16
}

// NewConfig returns a Config with upstream's v1.7 defaults: /api as the
// legacy prefix, index and discovery on, the ping health check, at most
// 400 reads and 200 writes in flight, a 60s request timeout (1800s at
// least for watches), watch as the only long-running verb, port 443 and
// DefaultBuildHandlerChain. Nothing authenticates or authorizes yet. The
// later eras' defaults are the same for these fields; their wait groups
// and lifecycle signals are made here, as upstream's NewConfig makes them,
// and the shutdown durations are 0.
func NewConfig() *Config {
	return &Config{
		ReadWritePort:               443,
		BuildHandlerChainFunc:       DefaultBuildHandlerChain,
		LegacyAPIGroupPrefixes:      sets.New(DefaultLegacyAPIPrefix),
		DisabledPostStartHooks:      sets.New[string](),
		HealthzChecks:               []healthz.HealthzChecker{healthz.PingHealthz},
		EnableIndex:                 true,
		EnableDiscovery:             true,
		MaxRequestsInFlight:         400,
		MaxMutatingRequestsInFlight: 200,
		RequestTimeout:              60 * time.Second,
		MinRequestTimeout:           1800,
		RESTOptionsGetter:           registry.MemoryRESTOptionsGetter{Backend: memory.NewBackend(memory.DefaultHistorySize)},
		LongRunningFunc:             filters.BasicLongRunningRequestCheck(sets.New("watch"), sets.New[string]()),

		HandlerChainWaitGroup:          new(utilwaitgroup.SafeWaitGroup),
		NonLongRunningRequestWaitGroup: new(utilwaitgroup.SafeWaitGroup),
		WatchRequestWaitGroup:          &utilwaitgroup.RateLimitedSafeWaitGroup{},
		lifecycleSignals:               newLifecycleSignals(),
	}
}

// completedConfig is a Config that Complete has filled in; only it has New.
type completedConfig struct {
	*Config
}

// Complete fills in the fields that can be derived from others, and
// returns the config ready for New. It changes c:
//
//   - ExternalAddress, if empty and PublicAddress is set, becomes
//     PublicAddress:ReadWritePort (or PublicAddress alone if the port is 0);
//   - RequestInfoResolver, if nil, becomes NewRequestInfoResolver(c);
//   - when there are an Authenticator and an Authorizer and the
//     LoopbackClientConfig has a bearer token, the token is made to
//     authenticate as system:apiserver in system:masters, ahead of the
//     Authenticator, and system:masters is allowed everything, ahead of
//     the Authorizer (see loopbackAuthentication).
func (c *Config) Complete() completedConfig {
	if len(c.ExternalAddress) == 0 && c.PublicAddress != nil {
		hostAndPort := c.PublicAddress.String()
		if c.ReadWritePort != 0 {
			hostAndPort = net.JoinHostPort(hostAndPort, strconv.Itoa(c.ReadWritePort))
		}
		c.ExternalAddress = hostAndPort
	}
	if c.RequestInfoResolver == nil {
		c.RequestInfoResolver = NewRequestInfoResolver(c)
	}
	if c.Authenticator != nil && c.Authorizer != nil && c.LoopbackClientConfig != nil && len(c.LoopbackClientConfig.BearerToken) > 0 {
		c.Authenticator, c.Authorizer = loopbackAuthentication(c.LoopbackClientConfig.BearerToken, c.Authenticator, c.Authorizer)
	}
	return completedConfig{c}
}

// loopbackAuthentication returns authn and authz with the loopback
// client's token put first: token authenticates as system:apiserver, a
// member of system:masters, with a UID made now, and any member of
// system:masters is allowed everything. Every other request goes on to
// authn and authz as before.
func loopbackAuthentication(token string, authn authenticator.Request, authz authorizer.Authorizer) (authenticator.Request, authorizer.Authorizer) {
	// --8<-- [start:loopbacktoken]
	tokens := map[string]*user.DefaultInfo{
		token: {
			Name:   user.APIServerUser,
			UID:    string(uuid.NewUUID()),
			Groups: []string{user.SystemPrivilegedGroup},
		},
	}
	tokenAuthenticator := bearertoken.New(tokenfile.New(tokens))
	tokenAuthorizer := authorizerfactory.NewPrivilegedGroups(user.SystemPrivilegedGroup)
	// --8<-- [end:loopbacktoken]
	return union.New(tokenAuthenticator, authn), authzunion.New(tokenAuthorizer, authz)
}

// upstreamNewFunc2 is the hook generic-apiserver-start-informers: the
// second func literal of upstream's completedConfig.New.
var upstreamNewFunc2 = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/config.go", Ref: "v1.7.0", Chapter: "hooks",
}.Func("server.completedConfig.New.func2")

// SkipComplete returns c ready for New without completing it: for a
// config already completed, so that its loopback token is not wrapped
// around the authenticator twice.
func (c *Config) SkipComplete() completedConfig {
	return completedConfig{c}
}

// NewRequestInfoResolver returns the RequestInfo parser for c: apis and
// every legacy prefix are API prefixes, and the legacy ones have no group.
func NewRequestInfoResolver(c *Config) *request.RequestInfoFactory {
	apiPrefixes := sets.New(strings.Trim(APIGroupPrefix, "/"))
	legacyAPIPrefixes := sets.New[string]()
	for legacyAPIPrefix := range c.LegacyAPIGroupPrefixes {
		apiPrefixes.Insert(strings.Trim(legacyAPIPrefix, "/"))
		legacyAPIPrefixes.Insert(strings.Trim(legacyAPIPrefix, "/"))
	}
	return &request.RequestInfoFactory{APIPrefixes: apiPrefixes, GrouplessAPIPrefixes: legacyAPIPrefixes}
}

// New returns a server named name that serves the groups later installed
// on it and hands every other request to delegationTarget. It installs
// the index at / (EnableIndex), /debug/pprof/ (EnableProfiling), the
// walkthrough's /debug/walkthrough (always) and /debug/walkthrough/slow
// (SlowRequests), /version (Version) and /apis (EnableDiscovery);
// /healthz waits for PrepareRun. It takes over delegationTarget's
// post-start hooks, sharing their done channels, so that whichever server
// of the chain runs its hooks runs them all; with a SharedInformerFactory
// it adds generic-apiserver-start-informers, unless a delegate has it
// already (so only the innermost such server's factory is started). ctx
// carries the trace kit. The delegate's health checks
// are merged with the Config's, a check of the same name counting once.
// The server built on EmptyDelegate ends the chain: with EnableIndex its
// unknown paths are answered 404 with the index. New fails when
// BuildHandlerChainFunc or LoopbackClientConfig is nil.
func (c completedConfig) New(ctx context.Context, name string, delegationTarget DelegationTarget) (*GenericAPIServer, error) {
	if c.BuildHandlerChainFunc == nil {
		return nil, fmt.Errorf("server %q: Config.BuildHandlerChainFunc is nil", name)
	}
	if c.LoopbackClientConfig == nil {
		return nil, fmt.Errorf("Genericapiserver.New() called with config.LoopbackClientConfig == nil")
	}
	handlerChainBuilder := func(handler http.Handler) http.Handler {
		return c.BuildHandlerChainFunc(handler, c.Config)
	}
	s := &GenericAPIServer{
		name:                   name,
		legacyAPIGroupPrefixes: c.LegacyAPIGroupPrefixes,
		minRequestTimeout:      time.Duration(c.MinRequestTimeout) * time.Second,
		restOptionsGetter:      c.RESTOptionsGetter,
		SecureServingInfo:      c.SecureServingInfo,
		ExternalAddress:        c.ExternalAddress,
		LoopbackClientConfig:   c.LoopbackClientConfig,
		Handler:                NewAPIServerHandler(name, handlerChainBuilder, delegationTarget.UnprotectedHandler()),
		delegationTarget:       delegationTarget,
		postStartHooks:         map[string]postStartHookEntry{},
		disabledPostStartHooks: c.DisabledPostStartHooks,
		healthzChecks:          slices.Clone(c.HealthzChecks),

		preShutdownHooks:                    map[string]preShutdownHookEntry{},
		era:                                 c.Era,
		ShutdownTimeout:                     c.RequestTimeout,
		HandlerChainWaitGroup:               c.HandlerChainWaitGroup,
		NonLongRunningRequestWaitGroup:      c.NonLongRunningRequestWaitGroup,
		WatchRequestWaitGroup:               c.WatchRequestWaitGroup,
		ShutdownDelayDuration:               c.ShutdownDelayDuration,
		ShutdownWatchTerminationGracePeriod: c.ShutdownWatchTerminationGracePeriod,
		ShutdownSendRetryAfter:              c.ShutdownSendRetryAfter,
		lifecycleSignals:                    c.lifecycleSignals,
	}
	if c.Era == EraModern { // /livez and /readyz run the Config's checks too
		s.livezChecks, s.readyzChecks = slices.Clone(c.HealthzChecks), slices.Clone(c.HealthzChecks)
	}

	// --8<-- [start:takeover]
	for k, v := range delegationTarget.PostStartHooks() {
		s.postStartHooks[k] = v
	}
	const genericApiServerHookName = "generic-apiserver-start-informers"
	if c.SharedInformerFactory != nil && !s.isHookRegistered(genericApiServerHookName) {
		err := s.AddPostStartHook(ctx, genericApiServerHookName, func(ctx context.Context, hookContext PostStartHookContext) error {
			trace.Mirroring(ctx, upstreamNewFunc2)
			c.SharedInformerFactory.Start(ctx, hookContext.StopCh)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, delegateCheck := range delegationTarget.HealthzChecks() {
		if !slices.ContainsFunc(c.HealthzChecks, func(c healthz.HealthzChecker) bool { return c.Name() == delegateCheck.Name() }) {
			s.healthzChecks = append(s.healthzChecks, delegateCheck)
		}
	}
	// --8<-- [end:takeover]
	s.takeOverFromLaterEras(delegationTarget)

	installAPI(s, c.Config)
	if delegationTarget.UnprotectedHandler() == nil && c.EnableIndex {
		s.Handler.NonGoRestfulMux.NotFoundHandler(indexHandler(http.StatusNotFound, s.ListedPaths))
	}
	return s, nil
}

// installAPI installs the routes every server has, as the Config says.
func installAPI(s *GenericAPIServer, c *Config) {
	if c.EnableIndex {
		index := indexHandler(http.StatusOK, s.ListedPaths)
		s.Handler.NonGoRestfulMux.UnlistedHandle("/", index)
		s.Handler.NonGoRestfulMux.UnlistedHandle("/index.html", index)
	}
	if c.EnableProfiling {
		installProfiling(s.Handler.NonGoRestfulMux)
	}
	s.Handler.NonGoRestfulMux.UnlistedHandle("/debug/walkthrough", walkthroughState(s))
	if c.SlowRequests != nil {
		s.Handler.NonGoRestfulMux.UnlistedHandle("/debug/walkthrough/slow", slowHandler(c.SlowRequests))
	}
	if c.Version != nil {
		s.Handler.NonGoRestfulMux.Handle("/version", versionHandler(*c.Version))
	}
	if c.EnableDiscovery {
		s.Handler.NonGoRestfulMux.Handle(APIGroupPrefix, endpoints.GroupsHandler(s.APIGroups))
	}
}

// DefaultBuildHandlerChain wraps apiHandler in the filters of a secure
// port, in upstream v1.7's order. A request meets them outermost first:
//
//	WithTracing (ours) → WithRequestInfo → WithMaxInFlightLimit →
//	WithTimeoutForNonLongRunningRequests → WithPanicRecovery → WithCORS →
//	WithAuthentication → WithAuthorization → apiHandler
//
// Upstream also has WithRequestContext outermost, audit after
// authentication and WithImpersonation before authorization; we have no
// context mapper, audit or impersonation. (v1.8 reordered the chain,
// putting panic recovery outermost.)
//
// It has a twin for the insecure port, kubeserver.BuildInsecureHandlerChain
// in chapters/nonblockingrun, because upstream has the same two: the same
// filters in the same order, there without authorization and
// impersonation, and with the insecure superuser as the authenticator.
func DefaultBuildHandlerChain(apiHandler http.Handler, c *Config) http.Handler {
	switch c.Era { // the later eras' chains: config_v19.go, config_modern.go
	case EraV19:
		return buildHandlerChainV19(apiHandler, c)
	case EraModern:
		return buildHandlerChainModern(apiHandler, c)
	}
	// --8<-- [start:chain]
	handler := filters.WithAuthorization(apiHandler, c.Authorizer)
	handler = filters.WithAuthentication(handler, c.Authenticator, filters.Unauthorized())
	handler = filters.WithCORS(handler, c.CorsAllowedOriginList, nil, nil, nil, "true")
	handler = filters.WithPanicRecovery(handler)
	handler = filters.WithTimeoutForNonLongRunningRequests(handler, c.LongRunningFunc, c.RequestTimeout)
	handler = filters.WithMaxInFlightLimit(handler, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc)
	handler = filters.WithRequestInfo(handler, c.RequestInfoResolver)
	handler = filters.WithTracing(handler)
	// --8<-- [end:chain]
	return handler
}
