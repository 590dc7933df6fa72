package options

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/spf13/pflag"
)

// SetEra makes s the options of era (the walkthrough's --era; the zero
// Era is v1.7). Call it before AddFlags, which adds the era's flags:
//
//   - v1.9 has --request-timeout, the time a request that is not
//     long-running is given, and now also how long Shutdown waits for
//     the connections in use (kubernetes-1.9.0's generic options).
//   - modern has --request-timeout and the shutdown flags,
//     --shutdown-delay-duration, --shutdown-watch-termination-grace-period
//     and --shutdown-send-retry-after, with upstream's defaults (0, 0,
//     false: kubernetes-1.36.0's server_run_options.go); and no insecure
//     port: kube-apiserver stopped serving it in v1.20 and dropped its
//     flags (--insecure-port, --insecure-bind-address) in v1.24, so SetEra
//     turns it off and AddFlags does not add them.
//
// The walkthrough's other flags are v1.7's in every era.
func (s *ServerRunOptions) SetEra(era server.Era) {
	s.Era = era
	if era == server.EraModern {
		s.InsecureServing.BindPort = 0
	}
}

// addEraFlags adds the flags of s.Era beyond v1.7's, in the generic group,
// where upstream has them.
func (s *ServerRunOptions) addEraFlags(fs *pflag.FlagSet) {
	g := s.GenericServerRunOptions
	if !s.Era.Since(server.EraV19) {
		return
	}
	fs.DurationVar(&g.RequestTimeout, "request-timeout", g.RequestTimeout,
		"How long a request that is not long-running may take before it is answered 504; "+
			"also how long the HTTP server's Shutdown waits for the connections in use.")
	if s.Era != server.EraModern {
		return
	}
	fs.DurationVar(&g.ShutdownDelayDuration, "shutdown-delay-duration", g.ShutdownDelayDuration,
		"Time to delay the termination: the server keeps serving as before, /healthz and /livez pass and /readyz fails "+
			"at once, so load balancers stop sending it traffic; then the shutdown begins.")
	fs.DurationVar(&g.ShutdownWatchTerminationGracePeriod, "shutdown-watch-termination-grace-period", g.ShutdownWatchTerminationGracePeriod,
		"How long, at most, the shutdown waits for the active watches, which it ends once the server stops accepting requests "+
			"(0: it neither ends them nor waits for them).")
	fs.BoolVar(&g.ShutdownSendRetryAfter, "shutdown-send-retry-after", g.ShutdownSendRetryAfter,
		"Keep listening until the requests in flight have drained, answering new ones 429 with Retry-After and "+
			"Connection: close; by default the listener closes first.")
}

// validateEra checks the flags of s.Era beyond v1.7's.
func (s *ServerRunOptions) validateEra(add addFunc) {
	g := s.GenericServerRunOptions
	notNegative := func(flag string, d time.Duration) {
		if d < 0 {
			add(flag, d, lang.Errorf("must be 0 or more"))
		}
	}
	notNegative("request-timeout", g.RequestTimeout)
	notNegative("shutdown-delay-duration", g.ShutdownDelayDuration)
	notNegative("shutdown-watch-termination-grace-period", g.ShutdownWatchTerminationGracePeriod)
}

var upstreamCreateListener = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/server/options/serving.go", Ref: "v1.9.0", Chapter: "config",
}.Func("options.CreateListener")

// CreateListener listens on addr (network defaults to tcp) and returns
// the listener and the port it is bound to, which matters when addr's
// port is 0. From v1.9, SecureServingOptions.ApplyTo calls it, so that
// the secure port is bound while the config is built, long before the
// server serves. It fails, in upstream's words, when addr cannot be
// listened on or is not a TCP address.
func CreateListener(ctx context.Context, network, addr string) (_ net.Listener, _ int, err error) {
	ctx, end := trace.Step(ctx, upstreamCreateListener)
	defer end(&err)
	if len(network) == 0 {
		network = "tcp"
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, 0, fmt.Errorf("failed to listen on %v: %v", addr, err)
	}
	// get port
	tcpAddr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		ln.Close()
		return nil, 0, fmt.Errorf("invalid listen address: %q", ln.Addr().String())
	}
	trace.ListenerOpen(ctx, ln)
	return ln, tcpAddr.Port, nil
}
