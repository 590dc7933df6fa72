package main

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// listenOnFreePorts is --free-ports: for each port that is on and not
// already bound, it listens on the port's bind address with a port the
// system picks, and gives the listener to the options, as tests do. The
// log names the addresses, so a script can read them. A port turned off
// with 0 stays off. It returns what closes the listeners, for a run that
// ends before serving them (closing a served one again does nothing).
//
// The flag is ours: kube-apiserver has no way to pick a free port, and
// --insecure-port=0 or --secure-port=0 turns its port off.
func listenOnFreePorts(ctx context.Context, s *options.ServerRunOptions) (closeAll func(), err error) {
	var bound []net.Listener
	closeAll = func() {
		for _, ln := range bound {
			ln.Close()
		}
	}
	listen := func(flag string, ip net.IP, port int, ln *net.Listener) error {
		if port <= 0 || *ln != nil {
			return nil
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		if err != nil {
			return fmt.Errorf("--free-ports: %s %s: %w", flag, ip, err)
		}
		bound = append(bound, l)
		*ln = l
		return nil
	}
	in, sec := s.InsecureServing, s.SecureServing
	if err := errors.Join(listen("--insecure-bind-address", in.BindAddress, in.BindPort, &in.Listener),
		listen("--bind-address", sec.BindAddress, sec.BindPort, &sec.Listener)); err != nil {
		closeAll()
		return nil, err
	}
	e := trace.Log(ctx).Info()
	if in.Listener != nil {
		e = e.Str("insecure", in.Listener.Addr().String())
	}
	if sec.Listener != nil {
		e = e.Str("secure", sec.Listener.Addr().String())
	}
	e.Str(trace.LogNoteKey, lang.Say(ctx, "ours: kube-apiserver cannot pick a port, and 0 turns its ports off")).
		Msg(lang.Say(ctx, "--free-ports: listening on ports the system picked"))
	return closeAll, nil
}
