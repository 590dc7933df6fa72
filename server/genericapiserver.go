package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/registry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilwaitgroup "k8s.io/apimachinery/pkg/util/waitgroup"
	"k8s.io/client-go/rest"
)

// GenericAPIServer is one API server of a delegation chain: its handlers,
// the API groups installed on it, its health checks (its own and those
// merged from its delegate), and where it serves.
// Build it with Config.Complete().New; its methods are safe for
// concurrent use.
type GenericAPIServer struct {
	name string

	legacyAPIGroupPrefixes sets.Set[string]
	minRequestTimeout      time.Duration
	restOptionsGetter      registry.RESTOptionsGetter

	// SecureServingInfo says where NonBlockingRun serves; nil means it
	// does not serve.
	SecureServingInfo *SecureServingInfo
	// effectiveSecurePort is the port serveSecurely bound.
	effectiveSecurePort int

	// ExternalAddress is the host:port clients outside the cluster use.
	ExternalAddress string

	// LoopbackClientConfig is a config for a privileged client of this
	// server, from inside the process; the post-start hooks get it.
	LoopbackClientConfig *rest.Config

	// Handler holds the handlers this server serves and delegates with.
	Handler *APIServerHandler

	delegationTarget DelegationTarget

	groupsLock sync.Mutex
	groups     []metav1.APIGroup // served at /apis; upstream's DiscoveryGroupManager

	healthzLock    sync.Mutex
	healthzChecks  []healthz.HealthzChecker
	healthzCreated bool

	// The post-start hooks, this server's and those copied from its
	// delegate; RunPostStartHooks runs them. See hooks.go.
	postStartHookLock      sync.Mutex
	postStartHooks         map[string]postStartHookEntry
	postStartHooksCalled   bool
	disabledPostStartHooks sets.Set[string]

	// The pre-shutdown hooks (from v1.9), this server's and its
	// delegate's; RunPreShutdownHooks runs them. See hooks.go.
	preShutdownHookLock    sync.Mutex
	preShutdownHooks       map[string]preShutdownHookEntry
	preShutdownHooksCalled bool

	// era is the release whose PrepareRun, Run and RunServer this server
	// runs (Config.Era).
	era Era

	// ShutdownTimeout is how long the HTTP server's Shutdown waits for
	// the connections still in use (from v1.9): the Config's
	// RequestTimeout, as upstream sets it.
	ShutdownTimeout time.Duration
	// The wait groups and shutdown settings of the Config (v1.9 and modern).
	HandlerChainWaitGroup               *utilwaitgroup.SafeWaitGroup
	NonLongRunningRequestWaitGroup      *utilwaitgroup.SafeWaitGroup
	WatchRequestWaitGroup               *utilwaitgroup.RateLimitedSafeWaitGroup
	ShutdownDelayDuration               time.Duration
	ShutdownWatchTerminationGracePeriod time.Duration
	ShutdownSendRetryAfter              bool
	lifecycleSignals                    lifecycleSignals

	// livezChecks and readyzChecks are the modern server's checks for
	// /livez and /readyz, beside healthzChecks, under healthzLock
	// (healthz_modern.go).
	livezChecks, readyzChecks   []healthz.HealthzChecker
	livezCreated, readyzCreated bool
}

// DelegationTarget is what a server hands requests, post-start hooks and
// health checks on to. A server built with New(…, delegationTarget):
//
//   - routes every path it does not serve itself to
//     delegationTarget.UnprotectedHandler() (when not nil), so a request
//     passes the filters once, in the outermost server;
//   - takes over delegationTarget's post-start hooks, to run them itself;
//   - serves delegationTarget's health checks at /healthz;
//   - lists delegationTarget's paths at /.
//
// Upstream's v1.7 interface also has RequestContextMapper and
// OpenAPISpec; we have no context mapper or OpenAPI. PreShutdownHooks
// came in v1.9, and PrepareRun in v1.16, whose PrepareRun prepares the
// delegates first: ours has both in every era, and only the eras that
// have them use them.
type DelegationTarget interface {
	// UnprotectedHandler returns the handler that routes a request
	// without filtering it again; nil ends the chain.
	UnprotectedHandler() http.Handler
	// PostStartHooks returns the post-start hooks to run.
	PostStartHooks() map[string]postStartHookEntry
	// HealthzChecks returns the health checks to serve.
	HealthzChecks() []healthz.HealthzChecker
	// ListedPaths returns the paths to list at /, sorted.
	ListedPaths() []string
	// PreShutdownHooks returns the pre-shutdown hooks to run (v1.9).
	PreShutdownHooks() map[string]preShutdownHookEntry
	// PrepareRun installs the routes that come last (modern: the chain's
	// PrepareRun prepares every server of it, innermost first).
	PrepareRun(ctx context.Context) preparedGenericAPIServer
}

// UnprotectedHandler returns the Director: the server's routing without
// its filters.
func (s *GenericAPIServer) UnprotectedHandler() http.Handler { return s.Handler.Director }

// HealthzChecks returns a copy of the server's health checks, including
// those merged from its delegate.
func (s *GenericAPIServer) HealthzChecks() []healthz.HealthzChecker {
	s.healthzLock.Lock()
	defer s.healthzLock.Unlock()
	return slices.Clone(s.healthzChecks)
}

// ListedPaths returns the sorted union of this server's listed paths and
// its delegate's.
func (s *GenericAPIServer) ListedPaths() []string {
	paths := sets.New(s.Handler.ListedPaths()...)
	paths.Insert(s.delegationTarget.ListedPaths()...)
	return sets.List(paths)
}

// Name returns the name given to New; it is also the value of the
// X-Kubewalk-Served-By header on the responses this server's own paths give.
func (s *GenericAPIServer) Name() string { return s.name }

// MinRequestTimeout returns the Config's MinRequestTimeout.
func (s *GenericAPIServer) MinRequestTimeout() time.Duration { return s.minRequestTimeout }

// EffectiveSecurePort returns the port the secure server listens on: the
// one bound, which matters when the configured port is 0. It is 0 until
// NonBlockingRun has bound it.
func (s *GenericAPIServer) EffectiveSecurePort() int { return s.effectiveSecurePort }

// EmptyDelegate ends a delegation chain: no handler, hooks, checks or paths.
// The first server of a chain is built with New(…, EmptyDelegate).
var EmptyDelegate = emptyDelegate{}

// NewEmptyDelegateWithCustomHandler ends a chain as EmptyDelegate does,
// except that what no server of the chain serves goes to handler (modern,
// since v1.23: kube-apiserver's not-found handler).
func NewEmptyDelegateWithCustomHandler(handler http.Handler) DelegationTarget {
	return emptyDelegate{handler}
}

type emptyDelegate struct {
	handler http.Handler // nil: the chain ends with the innermost server's 404
}

func (e emptyDelegate) UnprotectedHandler() http.Handler { return e.handler }
func (emptyDelegate) PostStartHooks() map[string]postStartHookEntry {
	return map[string]postStartHookEntry{}
}
func (emptyDelegate) HealthzChecks() []healthz.HealthzChecker { return []healthz.HealthzChecker{} }
func (emptyDelegate) ListedPaths() []string                   { return []string{} }
func (emptyDelegate) PreShutdownHooks() map[string]preShutdownHookEntry {
	return map[string]preShutdownHookEntry{}
}
func (emptyDelegate) PrepareRun(context.Context) preparedGenericAPIServer {
	return preparedGenericAPIServer{nil}
}

// InstallLegacyAPIGroup installs the legacy core group of apiGroupInfo
// under apiPrefix, which must be one of the Config's
// LegacyAPIGroupPrefixes, with endpoints.InstallLegacyAPI. ctx carries the
// trace kit to the goroutines the resources' storage starts.
func (s *GenericAPIServer) InstallLegacyAPIGroup(ctx context.Context, apiPrefix string, apiGroupInfo *endpoints.APIGroupInfo) error {
	if !s.legacyAPIGroupPrefixes.Has(apiPrefix) {
		return fmt.Errorf("%q is not in the allowed legacy API prefixes: %v", apiPrefix, sets.List(s.legacyAPIGroupPrefixes))
	}
	return endpoints.InstallLegacyAPI(ctx, s.Handler.NonGoRestfulMux, apiPrefix, s.withStorage(apiGroupInfo))
}

// InstallAPIGroup installs the named group of apiGroupInfo under /apis
// with endpoints.InstallAPIGroup, and adds it to the groups this server
// lists at /apis. An empty group or version is an error. ctx is as for
// InstallLegacyAPIGroup.
func (s *GenericAPIServer) InstallAPIGroup(ctx context.Context, apiGroupInfo *endpoints.APIGroupInfo) error {
	gv := apiGroupInfo.GroupVersion
	if len(gv.Group) == 0 {
		return fmt.Errorf("cannot register handler with an empty group for %#v", gv)
	}
	if len(gv.Version) == 0 {
		return fmt.Errorf("cannot register handler with an empty version for %#v", gv)
	}
	if err := endpoints.InstallAPIGroup(ctx, s.Handler.NonGoRestfulMux, s.withStorage(apiGroupInfo)); err != nil {
		return err
	}
	s.groupsLock.Lock()
	defer s.groupsLock.Unlock()
	s.groups = append(s.groups, apiGroupInfo.APIGroup())
	return nil
}

// withStorage returns a copy of info that stores its resources where the
// Config said and gives watches the Config's MinRequestTimeout, unless
// info says otherwise.
func (s *GenericAPIServer) withStorage(info *endpoints.APIGroupInfo) *endpoints.APIGroupInfo {
	c := *info
	if c.RESTOptionsGetter == nil {
		c.RESTOptionsGetter = s.restOptionsGetter
	}
	if c.MinRequestTimeout == 0 {
		c.MinRequestTimeout = s.minRequestTimeout
	}
	return &c
}

// APIGroups returns a copy of the groups installed with InstallAPIGroup,
// in the order they were installed: what this server lists at /apis.
func (s *GenericAPIServer) APIGroups() []metav1.APIGroup {
	s.groupsLock.Lock()
	defer s.groupsLock.Unlock()
	return slices.Clone(s.groups)
}
