package options

import (
	"context"
	"net"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/spf13/pflag"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

var (
	optionsGo = trace.UpstreamFile{
		Path: "cmd/kube-apiserver/app/options/options.go", Ref: "v1.7.0", Chapter: "options",
	}
	upstreamNewServerRunOptions = optionsGo.Func("options.NewServerRunOptions")
	upstreamAddFlags            = optionsGo.Func("options.ServerRunOptions.AddFlags")
)

// ServerRunOptions holds everything kube-apiserver can be told on its
// command line: twelve option groups and the fields of its own.
type ServerRunOptions struct {
	GenericServerRunOptions *GenericServerRunOptions
	Etcd                    *EtcdOptions
	SecureServing           *SecureServingOptions
	InsecureServing         *InsecureServingOptions
	Audit                   *AuditOptions
	Features                *FeatureOptions
	Admission               *AdmissionOptions
	Authentication          *BuiltInAuthenticationOptions
	Authorization           *BuiltInAuthorizationOptions
	CloudProvider           *CloudProviderOptions
	StorageSerialization    *StorageSerializationOptions
	APIEnablement           *APIEnablementOptions

	AllowPrivileged           bool
	EnableLogsHandler         bool
	EventTTL                  time.Duration
	KubeletConfig             KubeletClientConfig
	KubernetesServiceNodePort int
	MasterCount               int
	MaxConnectionBytesPerSec  int64
	ServiceClusterIPRange     net.IPNet
	ServiceNodePortRange      utilnet.PortRange
	SSHKeyfile                string
	SSHUser                   string
	ProxyClientCertFile       string
	ProxyClientKeyFile        string
	EnableAggregatorRouting   bool

	// Era is the release these options are kube-apiserver's of (the
	// walkthrough's --era): see SetEra. The zero value is v1.7.
	Era server.Era

	// Break is the fault to inject, one of [Faults]; the zero Fault
	// injects none. It is the walkthrough's own option, not upstream's.
	Break Fault
	// EtcdPreflightTimeout, if not 0, is how long CreateKubeAPIServerConfig
	// waits for etcd instead of v1.7's 60 seconds. The walkthrough's own,
	// without a flag: tests shorten the wait.
	EtcdPreflightTimeout time.Duration
	// SlowRequests, with --break=slow-request, is the channel whose close
	// answers the slow request (server.Config.SlowRequests); the
	// walkthrough makes it, and closes it once the listeners have closed.
	SlowRequests <-chan struct{}
}

// KubeletClientConfig is how the API server reaches kubelets. The
// walkthrough never does; CreateNodeDialer reads the ports.
type KubeletClientConfig struct {
	Port         uint
	ReadOnlyPort uint
	EnableHttps  bool
	HTTPTimeout  time.Duration
}

// DefaultServiceNodePortRange is upstream's --service-node-port-range.
var DefaultServiceNodePortRange = utilnet.PortRange{Base: 30000, Size: 2768}

// NewServerRunOptions returns options holding upstream's defaults. The
// service cluster IP range is left empty, as upstream leaves it for
// CreateKubeAPIServerConfig to default.
func NewServerRunOptions(ctx context.Context) *ServerRunOptions {
	_, end := trace.Step(ctx, upstreamNewServerRunOptions)
	defer end(nil)

	s := &ServerRunOptions{
		GenericServerRunOptions: NewGenericServerRunOptions(),
		Etcd:                    NewEtcdOptions(storagebackend.NewDefaultConfig(DefaultEtcdPathPrefix, nil)),
		SecureServing:           NewSecureServingOptions(),
		InsecureServing:         NewInsecureServingOptions(),
		Audit:                   NewAuditOptions(),
		Features:                NewFeatureOptions(),
		Admission:               NewAdmissionOptions(),
		Authentication:          NewBuiltInAuthenticationOptions(),
		Authorization:           NewBuiltInAuthorizationOptions(),
		CloudProvider:           NewCloudProviderOptions(),
		StorageSerialization:    NewStorageSerializationOptions(),
		APIEnablement:           NewAPIEnablementOptions(),

		EnableLogsHandler: true,
		EventTTL:          1 * time.Hour,
		MasterCount:       1,
		KubeletConfig: KubeletClientConfig{
			Port:         10250,
			ReadOnlyPort: 10255,
			EnableHttps:  true,
			HTTPTimeout:  5 * time.Second,
		},
		ServiceNodePortRange: DefaultServiceNodePortRange,
	}
	// Overwrite the generic default: kube-apiserver stores protobuf.
	s.Etcd.DefaultStorageMediaType = "application/vnd.kubernetes.protobuf"
	return s
}

// GroupAnnotation is the pflag annotation that names a flag's option
// group; --help lists the flags group by group.
const GroupAnnotation = "kubewalk.io/option-group"

// AddFlags adds the flags of every option group, and kube-apiserver's own,
// to fs, each annotated with its group (see [GroupAnnotation]).
func (s *ServerRunOptions) AddFlags(ctx context.Context, fs *pflag.FlagSet) {
	_, end := trace.Step(ctx, upstreamAddFlags)
	defer end(nil)

	// --8<-- [start:groups]
	group(fs, "generic", s.GenericServerRunOptions.AddFlags)
	group(fs, "etcd", s.Etcd.AddFlags)
	group(fs, "secure serving", s.SecureServing.AddFlags)
	if s.Era != server.EraModern { // modern has no insecure port (see SetEra)
		group(fs, "insecure serving", s.InsecureServing.AddFlags)
	}
	group(fs, "auditing", s.Audit.AddFlags)
	group(fs, "features", s.Features.AddFlags)
	group(fs, "admission", s.Admission.AddFlags)
	group(fs, "authentication", s.Authentication.AddFlags)
	group(fs, "authorization", s.Authorization.AddFlags)
	group(fs, "cloud provider", s.CloudProvider.AddFlags)
	group(fs, "storage", s.StorageSerialization.AddFlags)
	group(fs, "api enablement", s.APIEnablement.AddFlags)
	group(fs, "misc", s.addOwnFlags)
	// --8<-- [end:groups]
	group(fs, "generic", s.addEraFlags)
	group(fs, "walkthrough", func(fs *pflag.FlagSet) {
		fs.Var(&s.Break, "break",
			"Break something on purpose to watch what upstream does: "+faultNames()+" (help explains each).")
	})
}

// group lets add register its flags on a fresh set, annotates each with
// name, and merges them into fs.
func group(fs *pflag.FlagSet, name string, add func(*pflag.FlagSet)) {
	g := pflag.NewFlagSet(name, pflag.ContinueOnError)
	add(g)
	g.VisitAll(func(f *pflag.Flag) {
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[GroupAnnotation] = []string{name}
	})
	fs.AddFlagSet(g)
}

func (s *ServerRunOptions) addOwnFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.AllowPrivileged, "allow-privileged", s.AllowPrivileged,
		"Let pods run privileged containers.")
	fs.BoolVar(&s.EnableLogsHandler, "enable-logs-handler", s.EnableLogsHandler,
		"Serve the API server's own logs under /logs.")
	fs.DurationVar(&s.EventTTL, "event-ttl", s.EventTTL,
		"How long events are kept.")
	fs.IntVar(&s.MasterCount, "apiserver-count", s.MasterCount,
		"How many API servers run in the cluster (at least 1).")
	fs.Int64Var(&s.MaxConnectionBytesPerSec, "max-connection-bytes-per-sec", s.MaxConnectionBytesPerSec,
		"Limit each user connection to this many bytes per second (0: no limit).")
	fs.IPNetVar(&s.ServiceClusterIPRange, "service-cluster-ip-range", s.ServiceClusterIPRange,
		"The CIDR that service cluster IPs are taken from (empty: 10.0.0.0/24).")
	fs.Var(&s.ServiceNodePortRange, "service-node-port-range",
		"The ports NodePort services may use, as low-high, both included.")
	fs.IntVar(&s.KubernetesServiceNodePort, "kubernetes-service-node-port", s.KubernetesServiceNodePort,
		"Make the kubernetes service a NodePort service on this port (0: not a NodePort).")
	fs.UintVar(&s.KubeletConfig.Port, "kubelet-port", s.KubeletConfig.Port, "The kubelet's port (deprecated).")
	fs.UintVar(&s.KubeletConfig.ReadOnlyPort, "kubelet-read-only-port", s.KubeletConfig.ReadOnlyPort,
		"The kubelet's read-only port (deprecated).")
	fs.BoolVar(&s.KubeletConfig.EnableHttps, "kubelet-https", s.KubeletConfig.EnableHttps,
		"Talk to kubelets over HTTPS.")
	fs.DurationVar(&s.KubeletConfig.HTTPTimeout, "kubelet-timeout", s.KubeletConfig.HTTPTimeout,
		"How long a call to a kubelet may take.")
	fs.StringVar(&s.SSHUser, "ssh-user", s.SSHUser,
		"Reach nodes through SSH tunnels as this user (empty: no tunnels).")
	fs.StringVar(&s.SSHKeyfile, "ssh-keyfile", s.SSHKeyfile,
		"The private key file for the SSH tunnels.")
	fs.StringVar(&s.ProxyClientCertFile, "proxy-client-cert-file", s.ProxyClientCertFile,
		"The client certificate the aggregator presents when it proxies a request.")
	fs.StringVar(&s.ProxyClientKeyFile, "proxy-client-key-file", s.ProxyClientKeyFile,
		"The key of --proxy-client-cert-file.")
	fs.BoolVar(&s.EnableAggregatorRouting, "enable-aggregator-routing", s.EnableAggregatorRouting,
		"Let the aggregator route to endpoint IPs instead of service cluster IPs.")
}
