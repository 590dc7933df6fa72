package nodedialer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

var upstreamCreateNodeDialer = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "nodedialer",
}.Func("app.CreateNodeDialer")

// Tunneler is the part of upstream's tunneler.Tunneler the API server
// uses to reach nodes: a dialer.
type Tunneler interface {
	Dial(ctx context.Context, network, addr string) (net.Conn, error)
}

// CreateNodeDialer returns the SSH tunneler, or nil when --ssh-user is
// empty, and the transport for proxying to nodes, pods and services, which
// dials through the tunneler when there is one. The transport skips
// certificate verification, as upstream's does: it proxies to IP addresses,
// which certificates do not name. It fails when SSH tunnelling is asked for
// with a cloud provider or with a kubelet port turned off.
func CreateNodeDialer(ctx context.Context, s *options.ServerRunOptions) (_ Tunneler, _ *http.Transport, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateNodeDialer)
	defer end(&err)

	// --8<-- [start:tunneler]
	var nodeTunneler Tunneler
	var proxyDialerFn utilnet.DialFunc
	if len(s.SSHUser) > 0 {
		if p := s.CloudProvider.CloudProvider; p != "" {
			return nil, nil, fmt.Errorf("cloud provider could not be initialized: unknown cloud provider %q", p)
		}
		if s.KubeletConfig.Port == 0 {
			return nil, nil, errors.New("must enable kubelet port if proxy ssh-tunneling is specified")
		}
		if s.KubeletConfig.ReadOnlyPort == 0 {
			return nil, nil, errors.New("must enable kubelet readonly port if proxy ssh-tunneling is specified")
		}
		healthCheckPath := &url.URL{
			Scheme: "http",
			Host:   net.JoinHostPort("127.0.0.1", strconv.FormatUint(uint64(s.KubeletConfig.ReadOnlyPort), 10)),
			Path:   "healthz",
		}
		t := &SSHTunneler{User: s.SSHUser, SSHKeyfile: s.SSHKeyfile, HealthCheckURL: healthCheckPath}
		nodeTunneler, proxyDialerFn = t, t.Dial
		trace.Log(ctx).Info().Str("user", s.SSHUser).Str("healthCheck", healthCheckPath.String()).
			Str(trace.LogNoteKey, lang.Say(ctx, "upstream's master runs this tunneler next: one SSH tunnel per node, "+
				"checked through the kubelet's read-only port; the walkthrough builds it and opens none")).
			Msg(lang.Say(ctx, "SSH tunneler built"))
	} else {
		trace.Log(ctx).Info().
			Str(trace.LogNoteKey, lang.Say(ctx, "no --ssh-user: the proxy transport dials nodes directly")).
			Msg(lang.Say(ctx, "no SSH tunneler"))
	}
	// --8<-- [end:tunneler]

	// --8<-- [start:transport]
	// Proxying goes to IP addresses, which no certificate names.
	proxyTLSClientConfig := &tls.Config{InsecureSkipVerify: true}
	proxyTransport := utilnet.SetTransportDefaults(&http.Transport{
		DialContext:     proxyDialerFn,
		TLSClientConfig: proxyTLSClientConfig,
	})
	// --8<-- [end:transport]
	return nodeTunneler, proxyTransport, nil
}

// SSHTunneler stands for upstream's SSH tunneler. It holds what upstream's
// tunneler.New is given, and never connects.
type SSHTunneler struct {
	User           string
	SSHKeyfile     string
	HealthCheckURL *url.URL
}

// ErrNoSSH is what SSHTunneler.Dial returns.
var ErrNoSSH = errors.New("nodedialer: the walkthrough opens no SSH tunnels")

// Dial always fails with an error wrapping [ErrNoSSH]: upstream would dial
// addr through the SSH tunnel to the node.
func (t *SSHTunneler) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, fmt.Errorf("dial %s %s as %s: %w", network, addr, t.User, ErrNoSSH)
}
