package options

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/spf13/pflag"
)

// GenericServerRunOptions are the options every generic API server has.
type GenericServerRunOptions struct {
	AdvertiseAddress            net.IP
	CorsAllowedOriginList       []string
	ExternalHost                string
	MaxRequestsInFlight         int
	MaxMutatingRequestsInFlight int
	MinRequestTimeout           int // seconds
	TargetRAMMB                 int
	WatchCacheSizes             []string

	// From v1.9 (--request-timeout) and modern (the shutdown flags):
	// see ServerRunOptions.SetEra.
	RequestTimeout                      time.Duration
	ShutdownDelayDuration               time.Duration
	ShutdownWatchTerminationGracePeriod time.Duration
	ShutdownSendRetryAfter              bool
}

// NewGenericServerRunOptions returns upstream's defaults.
func NewGenericServerRunOptions() *GenericServerRunOptions {
	return &GenericServerRunOptions{
		MaxRequestsInFlight:         400,
		MaxMutatingRequestsInFlight: 200,
		MinRequestTimeout:           1800,
		RequestTimeout:              60 * time.Second,
	}
}

// AddFlags adds the generic flags to fs.
func (s *GenericServerRunOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IPVar(&s.AdvertiseAddress, "advertise-address", s.AdvertiseAddress,
		"The address the API server tells the cluster it can be reached at (empty: --bind-address).")
	fs.StringSliceVar(&s.CorsAllowedOriginList, "cors-allowed-origins", s.CorsAllowedOriginList,
		"Origins, as regular expressions, that may make CORS requests (empty: CORS off). "+
			`Each must pin the host: '^' or '//' before it, '$' or ':' after it, e.g. '//example\.com(:|$)'.`)
	fs.StringVar(&s.ExternalHost, "external-hostname", s.ExternalHost,
		"The host name to put in URLs the API server generates.")
	fs.IntVar(&s.MaxRequestsInFlight, "max-requests-inflight", s.MaxRequestsInFlight,
		"How many read requests may be served at once before the server answers 429 (0: no limit).")
	fs.IntVar(&s.MaxMutatingRequestsInFlight, "max-mutating-requests-inflight", s.MaxMutatingRequestsInFlight,
		"How many writing requests may be served at once before the server answers 429 (0: no limit).")
	fs.IntVar(&s.MinRequestTimeout, "min-request-timeout", s.MinRequestTimeout,
		"The shortest time, in seconds, a long-running request such as a watch is kept open.")
	fs.IntVar(&s.TargetRAMMB, "target-ram-mb", s.TargetRAMMB,
		"The memory the API server may use, in MB; used to size the watch caches.")
	fs.StringSliceVar(&s.WatchCacheSizes, "watch-cache-sizes", s.WatchCacheSizes,
		"Watch cache sizes of resources, comma separated, each resource#size, size a positive number (with --watch-cache).")
}

// SecureServingOptions configure the HTTPS port.
type SecureServingOptions struct {
	BindAddress net.IP
	BindPort    int
	ServerCert  GeneratableKeyCert
	// MinTLSVersion and CipherSuites keep upstream's flag names; empty
	// means Go's defaults with TLS 1.2 at least.
	MinTLSVersion string
	CipherSuites  []string
	// Listener, when set, is a listener already bound; BindAddress and
	// BindPort are then ignored. Upstream has this field since v1.9
	// (kubernetes-1.9.0), where ApplyTo sets it to the listener it binds;
	// tests use it so that they never bind fixed ports. It has no flag.
	Listener net.Listener
}

// GeneratableKeyCert is a serving certificate given as files, or to be
// generated when no file is given.
type GeneratableKeyCert struct {
	CertFile, KeyFile string
	// CertDirectory is where a generated certificate is written; empty
	// keeps it in memory.
	CertDirectory string
	PairName      string
	// GeneratedCert is the certificate MaybeDefaultWithSelfSignedCerts
	// generated and kept in memory, when it did (no flag).
	GeneratedCert *tls.Certificate
}

// NewSecureServingOptions returns kube-apiserver's defaults, except that
// the bind address is loopback and the certificate directory is empty.
func NewSecureServingOptions() *SecureServingOptions {
	return &SecureServingOptions{
		BindAddress: net.ParseIP("127.0.0.1"),
		BindPort:    6443,
		ServerCert:  GeneratableKeyCert{PairName: "apiserver"},
	}
}

// AddFlags adds the secure serving flags to fs.
func (s *SecureServingOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IPVar(&s.BindAddress, "bind-address", s.BindAddress,
		"The IP address the HTTPS port listens on (0.0.0.0 for every interface).")
	fs.IntVar(&s.BindPort, "secure-port", s.BindPort,
		"The HTTPS port, served with authentication and authorization (0: no HTTPS).")
	fs.StringVar(&s.ServerCert.CertDirectory, "cert-dir", s.ServerCert.CertDirectory,
		"Where to write the generated certificate when --tls-cert-file is not given (empty: keep it in memory).")
	fs.StringVar(&s.ServerCert.CertFile, "tls-cert-file", s.ServerCert.CertFile,
		"The PEM file of the HTTPS certificate (empty: generate a self-signed one).")
	fs.StringVar(&s.ServerCert.KeyFile, "tls-private-key-file", s.ServerCert.KeyFile,
		"The PEM file of the key of --tls-cert-file.")
	fs.StringVar(&s.MinTLSVersion, "tls-min-version", s.MinTLSVersion,
		"The lowest TLS version accepted: VersionTLS12 or VersionTLS13 (empty: VersionTLS12).")
	fs.StringSliceVar(&s.CipherSuites, "tls-cipher-suites", s.CipherSuites,
		"Cipher suites for TLS 1.2, by their Go names (empty: Go's defaults). TLS 1.3's suites are not chosen here: Go offers all three.")
}

// InsecureServingOptions configure the plain HTTP port, which has no
// authentication and no authorization.
type InsecureServingOptions struct {
	BindAddress net.IP
	BindPort    int
	// Listener, when set, is a listener already bound, as for
	// SecureServingOptions.
	Listener net.Listener
	// AllowNonLoopback lets BindAddress be other than a loopback address
	// (--allow-insecure-non-loopback, the walkthrough's own): anyone who
	// can reach the port acts as a cluster administrator.
	AllowNonLoopback bool
}

// NewInsecureServingOptions returns upstream's defaults: 127.0.0.1:8080.
func NewInsecureServingOptions() *InsecureServingOptions {
	return &InsecureServingOptions{BindAddress: net.ParseIP("127.0.0.1"), BindPort: 8080}
}

// AddFlags adds the insecure serving flags to fs.
func (s *InsecureServingOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IPVar(&s.BindAddress, "insecure-bind-address", s.BindAddress,
		"The IP address the plain HTTP port listens on.")
	fs.IntVar(&s.BindPort, "insecure-port", s.BindPort,
		"The plain HTTP port, served without authentication or authorization (0: no HTTP).")
	fs.BoolVar(&s.AllowNonLoopback, "allow-insecure-non-loopback", s.AllowNonLoopback,
		"Let --insecure-bind-address be other than loopback, exposing a port where every request is a cluster admin (walkthrough's own flag).")
}

// AuditOptions configure the audit log. The walkthrough records the path
// and writes nothing.
type AuditOptions struct{ LogPath string }

// NewAuditOptions returns upstream's defaults: no audit log.
func NewAuditOptions() *AuditOptions { return &AuditOptions{} }

// AddFlags adds the audit flags to fs.
func (s *AuditOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.LogPath, "audit-log-path", s.LogPath,
		"Where the audit log would be written (accepted, not used by the walkthrough).")
}

// FeatureOptions switch optional handlers on.
type FeatureOptions struct {
	EnableProfiling           bool
	EnableContentionProfiling bool
}

// NewFeatureOptions returns upstream's defaults: profiling on.
func NewFeatureOptions() *FeatureOptions { return &FeatureOptions{EnableProfiling: true} }

// AddFlags adds the feature flags to fs.
func (s *FeatureOptions) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&s.EnableProfiling, "profiling", s.EnableProfiling,
		"Serve profiling data under /debug/pprof (recorded, not served by the walkthrough).")
	fs.BoolVar(&s.EnableContentionProfiling, "contention-profiling", s.EnableContentionProfiling,
		"Also profile lock contention, when --profiling is on.")
}

// AdmissionOptions name the admission plugins, in order.
type AdmissionOptions struct {
	Control           []string
	ControlConfigFile string
}

// NewAdmissionOptions returns upstream's default: AlwaysAdmit.
func NewAdmissionOptions() *AdmissionOptions {
	return &AdmissionOptions{Control: []string{"AlwaysAdmit"}}
}

// AddFlags adds the admission flags to fs.
func (s *AdmissionOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&s.Control, "admission-control", s.Control,
		"Admission plugins, in the order they run (recorded; the walkthrough admits everything).")
	fs.StringVar(&s.ControlConfigFile, "admission-control-config-file", s.ControlConfigFile,
		"The admission plugins' configuration file.")
}

// CloudProviderOptions name the cloud provider.
type CloudProviderOptions struct {
	CloudProvider   string
	CloudConfigFile string
}

// NewCloudProviderOptions returns upstream's defaults: no provider.
func NewCloudProviderOptions() *CloudProviderOptions { return &CloudProviderOptions{} }

// AddFlags adds the cloud provider flags to fs.
func (s *CloudProviderOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.CloudProvider, "cloud-provider", s.CloudProvider,
		"The cloud provider (recorded; the walkthrough has none).")
	fs.StringVar(&s.CloudConfigFile, "cloud-config", s.CloudConfigFile,
		"The cloud provider's configuration file.")
}

// StorageSerializationOptions say which version each group is stored in.
type StorageSerializationOptions struct{ StorageVersions string }

// NewStorageSerializationOptions returns an empty setting: every group is
// stored in its preferred version.
func NewStorageSerializationOptions() *StorageSerializationOptions {
	return &StorageSerializationOptions{}
}

// AddFlags adds the storage flags to fs.
func (s *StorageSerializationOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.StorageVersions, "storage-versions", s.StorageVersions,
		"group/version pairs, comma-separated, to store each group in (empty: preferred versions).")
}

// APIEnablementOptions turn API groups on and off.
type APIEnablementOptions struct{ RuntimeConfig map[string]string }

// NewAPIEnablementOptions returns an empty runtime config.
func NewAPIEnablementOptions() *APIEnablementOptions {
	return &APIEnablementOptions{RuntimeConfig: map[string]string{}}
}

// AddFlags adds the API enablement flags to fs.
func (s *APIEnablementOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringToStringVar(&s.RuntimeConfig, "runtime-config", s.RuntimeConfig,
		"key=value pairs that turn API versions on or off, e.g. api/all=true (recorded, not applied).")
}
