package server

import (
	"fmt"
	"net"

	"k8s.io/client-go/rest"
)

// LoopbackClientServerNameOverride is the TLS server name the loopback
// client asks for. The server answers it with the loopback certificate
// (one of SecureServingInfo.SNICerts), which the client checks against
// the CA it was given, whatever names the serving certificate has.
const LoopbackClientServerNameOverride = "apiserver-loopback-client"

// NewLoopbackClientConfig returns the config of a client that reaches this
// secure port from inside the process: https to the bind address (see
// [LoopbackHostPort]), the bearer token, the TLS server name
// [LoopbackClientServerNameOverride] and loopbackCert, PEM, as the only
// CA it trusts; QPS 50 and burst 100, as upstream raised them for its
// in-process clients. It returns nil and no error when s is nil or has no
// certificate, and an error when BindAddress is not host:port.
func (s *SecureServingInfo) NewLoopbackClientConfig(token string, loopbackCert []byte) (*rest.Config, error) {
	if s == nil || (s.Cert == nil && len(s.SNICerts) == 0) {
		return nil, nil
	}
	host, port, err := LoopbackHostPort(s.BindAddress)
	if err != nil {
		return nil, err
	}
	return &rest.Config{
		QPS:         50,
		Burst:       100,
		Host:        "https://" + net.JoinHostPort(host, port),
		BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{
			ServerName: LoopbackClientServerNameOverride,
			CAData:     loopbackCert,
		},
	}, nil
}

// LoopbackHostPort returns the host and port an in-process client uses to
// reach bindAddress: the same, except that 0.0.0.0 becomes the first
// loopback address of the host's interfaces, or localhost if it has none.
// It fails when bindAddress is not host:port.
func LoopbackHostPort(bindAddress string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(bindAddress)
	if err != nil {
		return "", "", fmt.Errorf("invalid server bind address: %q", bindAddress)
	}
	if host != "0.0.0.0" {
		return host, port, nil
	}
	host = "localhost"
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return host, port, nil
	}
	for _, address := range addrs {
		if ipnet, ok := address.(*net.IPNet); ok && ipnet.IP.IsLoopback() {
			return ipnet.IP.String(), port, nil
		}
	}
	return host, port, nil
}
