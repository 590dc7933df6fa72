package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/kubewalk/kubewalk/chapters/nodedialer"
	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/server/serverstorage"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
)

var upstreamCreateKubeAPIServerConfig = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "config",
}.Func("app.CreateKubeAPIServerConfig")

// MasterConfig is the configuration of the kube-apiserver server itself:
// the generic server's Config and kube-apiserver's own settings
// (upstream's master.Config).
type MasterConfig struct {
	GenericConfig *server.Config

	EventTTL            time.Duration
	KubeletClientConfig options.KubeletClientConfig
	EnableUISupport     bool
	EnableLogsSupport   bool

	// ProxyTransport and Tunneler are what CreateNodeDialer returned.
	ProxyTransport http.RoundTripper
	Tunneler       nodedialer.Tunneler

	// ServiceIPRange is where service cluster IPs come from, and
	// APIServerServiceIP (its first address) is the IP of the
	// "kubernetes" service, on APIServerServicePort.
	ServiceIPRange       net.IPNet
	APIServerServiceIP   net.IP
	APIServerServicePort int

	ServiceNodePortRange      utilnet.PortRange
	KubernetesServiceNodePort int
	MasterCount               int

	// StorageFactory says where and how each resource is stored.
	StorageFactory serverstorage.StorageFactory
	// WatchCacheSizes are the watch cache sizes of resources that do not
	// use the default; nil when the watch cache is off (upstream keeps
	// them in package cachesize).
	WatchCacheSizes WatchCacheSizes
	// EndpointReconcilerConfig says how often the bootstrap controller
	// reconciles the kubernetes service and its endpoints.
	EndpointReconcilerConfig EndpointReconcilerConfig

	// BreakHook, when --break=hook or hook-panic, has CreateKubeAPIServer
	// add a post-start hook that fails that way (ours).
	BreakHook options.Fault
}

// EndpointReconcilerConfig is how often the kubernetes service's
// endpoints are reconciled. Upstream's also holds the reconciler, which
// it makes in master.Config.Complete; ours is made with the bootstrap
// controller (chapters/bootstrap).
type EndpointReconcilerConfig struct {
	Interval time.Duration
}

// DefaultEndpointReconcilerInterval is upstream's default interval.
const DefaultEndpointReconcilerInterval = 10 * time.Second

// CreateKubeAPIServerConfig defaults, validates and applies s, in
// upstream's order, and returns the MasterConfig, kube-apiserver's two
// informer factories over the loopback client (sharedInformers, whose
// hook start-kube-apiserver-informers starts them, and versionedInformers,
// which the aggregator's hook starts), and where the insecure port listens
// (nil when it is off). It changes s: the defaults it fills in stay there.
// It fails on options that do not validate, a service IP range that is
// not usable, a certificate that cannot be made or read, or both ports
// off.
func CreateKubeAPIServerConfig(ctx context.Context, s *options.ServerRunOptions, nodeTunneler nodedialer.Tunneler, proxyTransport http.RoundTripper) (
	_ *MasterConfig, sharedInformers, versionedInformers *informers.SharedInformerFactory, _ *nonblockingrun.InsecureServingInfo, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateKubeAPIServerConfig)
	defer end(&err)

	// --8<-- [start:defaults]
	serviceIPRange, apiServerServiceIP, watchCacheSizes, err := defaultOptions(ctx, s)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if errs := s.Validate(); len(errs) != 0 {
		return nil, nil, nil, nil, utilerrors.NewAggregate(errs)
	}
	// --8<-- [end:defaults]

	genericConfig, sharedInformers, versionedInformers, insecureServingInfo, err := BuildGenericConfig(ctx, s)
	if err != nil {
		return nil, nil, nil, nil, err
	}

	// --8<-- [start:etcd]
	if err := waitForEtcd(ctx, s); err != nil {
		return nil, nil, nil, nil, err
	}
	storageFactory, err := BuildStorageFactory(ctx, s)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// --8<-- [end:etcd]

	// --8<-- [start:master]
	config := &MasterConfig{
		GenericConfig:             genericConfig,
		EventTTL:                  s.EventTTL,
		KubeletClientConfig:       s.KubeletConfig,
		EnableUISupport:           true,
		EnableLogsSupport:         s.EnableLogsHandler,
		ProxyTransport:            proxyTransport,
		Tunneler:                  nodeTunneler,
		ServiceIPRange:            serviceIPRange,
		APIServerServiceIP:        apiServerServiceIP,
		APIServerServicePort:      443,
		ServiceNodePortRange:      s.ServiceNodePortRange,
		KubernetesServiceNodePort: s.KubernetesServiceNodePort,
		MasterCount:               s.MasterCount,
		StorageFactory:            storageFactory,
		WatchCacheSizes:           watchCacheSizes,
		EndpointReconcilerConfig:  EndpointReconcilerConfig{Interval: DefaultEndpointReconcilerInterval},
	}
	// --8<-- [end:master]
	if s.Break == options.BreakHook || s.Break == options.BreakHookPanic {
		config.BreakHook = s.Break
	}
	trace.Log(ctx).Info().
		Str("serviceIPRange", serviceIPRange.String()).
		Str("apiServerServiceIP", apiServerServiceIP.String()).
		Str(trace.LogNoteKey, lang.Say(ctx, "The kubernetes service will get the first IP of the service range.")).
		Msg(lang.Say(ctx, "built the master config"))
	return config, sharedInformers, versionedInformers, insecureServingInfo, nil
}

// defaultOptions fills in what the options left open: the advertise
// address (the secure bind address, or the host's address when binding
// to every interface), the service IP range, and a self-signed serving
// certificate when none was given; it turns anonymous requests off when
// AlwaysAllow authorizes (ApplyAuthorization); and it defaults the
// storage: the in-memory backend without etcd servers, and the watch
// cache sizes, which it returns.
func defaultOptions(ctx context.Context, s *options.ServerRunOptions) (net.IPNet, net.IP, WatchCacheSizes, error) {
	if err := defaultAdvertiseAddress(s); err != nil {
		return net.IPNet{}, nil, nil, err
	}
	serviceIPRange, apiServerServiceIP, err := DefaultServiceIPRange(s.ServiceClusterIPRange)
	if err != nil {
		return net.IPNet{}, nil, nil, fmt.Errorf("error determining service IP ranges: %v", err)
	}
	s.ServiceClusterIPRange = serviceIPRange
	if err := s.SecureServing.MaybeDefaultWithSelfSignedCerts(ctx, s.GenericServerRunOptions.AdvertiseAddress.String(),
		[]string{"kubernetes.default.svc", "kubernetes.default", "kubernetes"}, []net.IP{apiServerServiceIP}); err != nil {
		return net.IPNet{}, nil, nil, fmt.Errorf("error creating self-signed certificates: %v", err)
	}
	s.Authentication.ApplyAuthorization(ctx, s.Authorization)
	return serviceIPRange, apiServerServiceIP, defaultStorage(ctx, s), nil
}

// defaultAdvertiseAddress sets --advertise-address, when not given, to the
// secure bind address, or, when that is 0.0.0.0, :: or loopback (the
// walkthrough's default, 127.0.0.1), to the host's default address, as
// upstream's ChooseBindAddress does: the kubernetes endpoints publish it.
func defaultAdvertiseAddress(s *options.ServerRunOptions) error {
	g := s.GenericServerRunOptions
	if g.AdvertiseAddress != nil && !g.AdvertiseAddress.IsUnspecified() {
		return nil
	}
	ip, err := utilnet.ResolveBindAddress(s.SecureServing.BindAddress)
	if err != nil {
		return fmt.Errorf("unable to find suitable network address (%v); set --advertise-address", err)
	}
	g.AdvertiseAddress = ip
	return nil
}

// DefaultServiceIPRange returns serviceClusterIPRange, or 10.0.0.0/24 when
// it is empty, and its first address, which the kubernetes service gets.
func DefaultServiceIPRange(serviceClusterIPRange net.IPNet) (net.IPNet, net.IP, error) {
	if len(serviceClusterIPRange.IP) == 0 {
		_, defaultNet, _ := net.ParseCIDR("10.0.0.0/24")
		serviceClusterIPRange = *defaultNet
	}
	prefix, err := netip.ParsePrefix(serviceClusterIPRange.String())
	if err != nil {
		return net.IPNet{}, nil, err
	}
	first := prefix.Masked().Addr().Next()
	if !first.IsValid() || !prefix.Contains(first) {
		return net.IPNet{}, nil, fmt.Errorf("no service IP in %s", prefix)
	}
	return serviceClusterIPRange, net.IP(first.AsSlice()), nil
}

// errNoLoopback is the error for options that turn off both ports.
var errNoLoopback = errors.New("no loopback client: --insecure-port and --secure-port are both 0, " +
	"and the post-start hooks reach the server through one of them")

// BuildGenericConfig applies the option groups to a new server.Config in
// upstream's order and returns it, with kube-apiserver's two informer
// factories and where the insecure port listens, as v1.7's
// BuildGenericConfig does for CreateKubeAPIServerConfig (which also
// returns a service resolver). It is not a step of its own: its lines and
// fields belong to the caller's.
func BuildGenericConfig(ctx context.Context, s *options.ServerRunOptions) (
	_ *server.Config, sharedInformers, versionedInformers *informers.SharedInformerFactory, _ *nonblockingrun.InsecureServingInfo, err error) {
	// --8<-- [start:apply]
	genericConfig := server.NewConfig()
	genericConfig.Era = s.Era
	if err := s.GenericServerRunOptions.ApplyTo(genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	insecureServingInfo, err := s.InsecureServing.ApplyTo(genericConfig)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := s.SecureServing.ApplyTo(ctx, genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := s.Authentication.ApplyTo(genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := s.Features.ApplyTo(genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	genericConfig.LongRunningFunc = filters.BasicLongRunningRequestCheck(
		sets.New("watch", "proxy"),
		sets.New("attach", "exec", "proxy", "log", "portforward"),
	)
	kubeVersion := Version
	genericConfig.Version = &kubeVersion
	storageFactory, err := BuildStorageFactory(ctx, s)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := s.Etcd.ApplyWithStorageFactoryTo(storageFactory, genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := s.Authorization.ApplyTo(genericConfig); err != nil {
		return nil, nil, nil, nil, err
	}
	// --8<-- [end:apply]

	// Ours: --break=slow-request needs a request that takes its time.
	if s.Break == options.BreakSlowRequest {
		genericConfig.SlowRequests = s.SlowRequests
	}

	// --8<-- [start:protobuf]
	if genericConfig.LoopbackClientConfig == nil {
		// Upstream dereferences the nil config on the next line and crashes.
		return nil, nil, nil, nil, errNoLoopback
	}
	// Use protobufs for self-communication: kube-apiserver speaks them,
	// not every generic API server does.
	genericConfig.LoopbackClientConfig.ContentType = "application/vnd.kubernetes.protobuf"
	// --8<-- [end:protobuf]
	// Ours: the loopback client's requests are traced as the hook
	// goroutine's that sent them.
	genericConfig.LoopbackClientConfig.Wrap(trace.Transport(ctx))

	// --8<-- [start:informers]
	client, err := kubernetes.NewForConfig(genericConfig.LoopbackClientConfig)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("failed to create clientset: %v", err)
	}
	sharedInformers = informers.NewSharedInformerFactory("kube-apiserver", client, 10*time.Minute)
	versionedInformers = informers.NewSharedInformerFactory("kube-apiserver (client-go)", client, 10*time.Minute)
	// --8<-- [end:informers]
	trace.Log(ctx).Info().
		Strs("etcdServers", s.Etcd.StorageConfig.ServerList).
		Str("storageMediaType", s.Etcd.DefaultStorageMediaType).
		Bool("watchCache", s.Etcd.EnableWatchCache).
		Strs("admissionControl", s.Admission.Control).
		Str(trace.LogNoteKey, lang.Say(ctx, "Every resource's storage now comes from the storage factory; upstream also builds the admission chain here, the walkthrough admits everything.")).
		Msg(lang.Say(ctx, "built the generic config"))
	return genericConfig, sharedInformers, versionedInformers, insecureServingInfo, nil
}
