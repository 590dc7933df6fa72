package options

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kubewalk/kubewalk/chapters/nonblockingrun"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/server/informers"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"
)

// The ApplyTo methods copy an option group into the generic server's
// Config, as upstream's do; CreateKubeAPIServerConfig calls them in
// upstream's order. They assume Validate passed.

// ApplyTo sets the generic server fields: CORS, the advertised and
// external addresses, the in-flight limits, the request timeout and the
// floor of watches' timeouts.
func (s *GenericServerRunOptions) ApplyTo(c *server.Config) error {
	c.CorsAllowedOriginList = s.CorsAllowedOriginList
	c.ExternalAddress = s.ExternalHost
	c.MaxRequestsInFlight = s.MaxRequestsInFlight
	c.MaxMutatingRequestsInFlight = s.MaxMutatingRequestsInFlight
	c.MinRequestTimeout = s.MinRequestTimeout
	c.PublicAddress = s.AdvertiseAddress
	c.RequestTimeout = s.RequestTimeout
	c.ShutdownDelayDuration = s.ShutdownDelayDuration
	c.ShutdownWatchTerminationGracePeriod = s.ShutdownWatchTerminationGracePeriod
	c.ShutdownSendRetryAfter = s.ShutdownSendRetryAfter
	return nil
}

// ApplyTo returns where the insecure port listens, or nil when it is
// turned off (--insecure-port=0 and no listener). It also sets the
// Config's LoopbackClientConfig to a client of the insecure port, the
// fallback that SecureServingOptions.ApplyTo replaces when the secure
// port is on.
func (s *InsecureServingOptions) ApplyTo(c *server.Config) (*nonblockingrun.InsecureServingInfo, error) {
	if s.BindPort <= 0 && s.Listener == nil {
		return nil, nil
	}
	ret := &nonblockingrun.InsecureServingInfo{
		BindAddress: bindAddress(s.BindAddress, s.BindPort, s.Listener),
		Listener:    s.Listener,
	}
	var err error
	privilegedLoopbackToken := string(uuid.NewUUID())
	if c.LoopbackClientConfig, err = ret.NewLoopbackClientConfig(privilegedLoopbackToken); err != nil {
		return nil, err
	}
	return ret, nil
}

// ApplyTo sets where and how the secure port serves: the address, the
// certificate (from --tls-cert-file, or the one MaybeDefaultWithSelfSignedCerts
// generated), the TLS version floor and cipher suites. It does nothing when
// the secure port is turned off (--secure-port=0 and no listener).
//
// From v1.9 (c.Era), it also binds the port, with CreateListener, unless
// a listener was given: the secure port is bound while the config is
// built, and serveSecurely only serves it.
//
// It also makes the loopback client (see applyLoopbackTo): a fresh
// self-signed certificate for the name apiserver-loopback-client, served
// to clients that ask for that name, and a fresh random bearer token, in
// the Config's LoopbackClientConfig; and the Config's
// SharedInformerFactory over it.
func (s *SecureServingOptions) ApplyTo(ctx context.Context, c *server.Config) error {
	if s.BindPort <= 0 && s.Listener == nil {
		return nil
	}
	if c.Era.Since(server.EraV19) {
		if err := s.createListener(ctx); err != nil {
			return err
		}
	}
	info := &server.SecureServingInfo{
		BindAddress: bindAddress(s.BindAddress, s.BindPort, s.Listener),
		Listener:    s.Listener,
		Cert:        s.ServerCert.GeneratedCert,
	}
	if s.ServerCert.CertFile != "" {
		pair, err := tls.LoadX509KeyPair(s.ServerCert.CertFile, s.ServerCert.KeyFile)
		if err != nil {
			return fmt.Errorf("unable to load server certificate: %v", err)
		}
		info.Cert = &pair
	}
	if s.MinTLSVersion != "" {
		info.MinTLSVersion = TLSVersions[s.MinTLSVersion]
	}
	for _, name := range s.CipherSuites {
		id, err := CipherSuite(name)
		if err != nil {
			return err
		}
		info.CipherSuites = append(info.CipherSuites, id)
	}
	c.SecureServingInfo = info
	_, port, _ := net.SplitHostPort(info.BindAddress)
	c.ReadWritePort, _ = strconv.Atoi(port)
	return applyLoopbackTo(c)
}

// applyLoopbackTo makes the secure port's loopback client: a self-signed
// certificate for apiserver-loopback-client, added to the SNI
// certificates, and a config that trusts only it and carries a random
// token. If the config cannot be made, an insecure-port config already in
// c is kept, as upstream keeps it. Then it makes the generic server's
// informer factory over whichever loopback config c has.
func applyLoopbackTo(c *server.Config) error {
	// --8<-- [start:loopback]
	certPem, keyPem, err := cert.GenerateSelfSignedCertKey(server.LoopbackClientServerNameOverride, nil, nil)
	if err != nil {
		return fmt.Errorf("failed to generate self-signed certificate for loopback connection: %v", err)
	}
	tlsCert, err := tls.X509KeyPair(certPem, keyPem)
	if err != nil {
		return fmt.Errorf("failed to generate self-signed certificate for loopback connection: %v", err)
	}

	secureLoopbackClientConfig, err := c.SecureServingInfo.NewLoopbackClientConfig(string(uuid.NewUUID()), certPem)
	switch {
	// No secure loopback, and no insecure one to fall back on.
	case err != nil && c.LoopbackClientConfig == nil:
		return err
	// No secure loopback: keep the insecure one.
	case err != nil && c.LoopbackClientConfig != nil:
	// No serving certificate, so no secure loopback either (upstream
	// would go on with a nil config and crash): keep what there is.
	case secureLoopbackClientConfig == nil:
	default:
		c.LoopbackClientConfig = secureLoopbackClientConfig
		if c.SecureServingInfo.SNICerts == nil {
			c.SecureServingInfo.SNICerts = map[string]*tls.Certificate{}
		}
		c.SecureServingInfo.SNICerts[server.LoopbackClientServerNameOverride] = &tlsCert
	}
	// --8<-- [end:loopback]

	// The generic server's own informers, over the loopback client as it
	// is now (JSON: kube-apiserver switches it to protobuf later). They
	// resync as often as the config's Timeout says: 0, never.
	if c.LoopbackClientConfig == nil {
		return nil
	}
	clientset, err := kubernetes.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return err
	}
	c.SharedInformerFactory = informers.NewSharedInformerFactory("generic-apiserver", clientset, c.LoopbackClientConfig.Timeout)
	return nil
}

// MaybeDefaultWithSelfSignedCerts generates a self-signed certificate for
// publicAddress, alternateDNS, alternateIPs and the bind address when no --tls-cert-file was
// given and the secure port is on. With --cert-dir it writes
// <PairName>.crt and .key there (and uses them if they exist already);
// without, it keeps the certificate in memory.
func (s *SecureServingOptions) MaybeDefaultWithSelfSignedCerts(ctx context.Context, publicAddress string, alternateDNS []string, alternateIPs []net.IP) error {
	if s.ServerCert.CertFile != "" || (s.BindPort <= 0 && s.Listener == nil) {
		return nil
	}
	dir := s.ServerCert.CertDirectory
	if dir != "" {
		certFile := filepath.Join(dir, s.ServerCert.PairName+".crt")
		keyFile := filepath.Join(dir, s.ServerCert.PairName+".key")
		s.ServerCert.CertFile, s.ServerCert.KeyFile = certFile, keyFile
		if canReadBoth(certFile, keyFile) {
			return nil
		}
	}
	// The bind address, or localhost when binding every interface, is
	// named too, so that clients on this host can verify the certificate.
	if s.BindAddress.IsUnspecified() {
		alternateDNS = append(alternateDNS, "localhost")
	} else {
		alternateIPs = append(alternateIPs, s.BindAddress)
	}
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey(publicAddress, alternateIPs, alternateDNS)
	if err != nil {
		return fmt.Errorf("unable to generate self signed cert: %v", err)
	}
	if dir == "" {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return fmt.Errorf("unable to generate self signed cert: %v", err)
		}
		s.ServerCert.GeneratedCert = &pair
		trace.Log(ctx).Info().Str(trace.LogNoteKey, lang.Say(ctx, "No --tls-cert-file: the secure port gets a self-signed certificate, made now.")).
			Msg("Generated self-signed cert in-memory")
		return nil
	}
	if err := writeKeyPair(s.ServerCert.CertFile, certPEM, s.ServerCert.KeyFile, keyPEM); err != nil {
		return fmt.Errorf("unable to write self signed cert: %v", err)
	}
	trace.Log(ctx).Info().Msgf("Generated self-signed cert (%s, %s)", s.ServerCert.CertFile, s.ServerCert.KeyFile)
	return nil
}

// ApplyTo turns the profiling handlers on or off.
func (s *FeatureOptions) ApplyTo(c *server.Config) error {
	c.EnableProfiling = s.EnableProfiling
	return nil
}

// bindAddress is the listener's address when there is one, else ip:port.
func bindAddress(ip net.IP, port int, ln net.Listener) string {
	if ln != nil {
		return ln.Addr().String()
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}

func canReadBoth(certFile, keyFile string) bool {
	_, certErr := os.Stat(certFile)
	_, keyErr := os.Stat(keyFile)
	return certErr == nil && keyErr == nil
}

// writeKeyPair writes the certificate (0644) and its key (0600), making
// their directories as needed.
func writeKeyPair(certFile string, certPEM []byte, keyFile string, keyPEM []byte) error {
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{{certFile, certPEM, 0o644}, {keyFile, keyPEM, 0o600}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// createListener is v1.9's first step of ApplyTo: bind the port, unless a
// listener was given (which the trace records as opened here, where
// upstream would have bound it).
func (s *SecureServingOptions) createListener(ctx context.Context) error {
	if s.Listener != nil {
		trace.ListenerOpen(ctx, s.Listener)
		return nil
	}
	addr := net.JoinHostPort(s.BindAddress.String(), strconv.Itoa(s.BindPort))
	var err error
	s.Listener, s.BindPort, err = CreateListener(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("failed to create listener: %v", err)
	}
	return nil
}
