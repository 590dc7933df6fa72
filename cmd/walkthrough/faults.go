package main

import (
	"context"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// injectFault breaks the insecure port or etcd from outside the steps,
// as the world would, when --break asks for it:
//
//   - insecure-bind: the walkthrough holds the port itself, so that
//     serveInsecurely's listen fails as upstream's fails on a port in use;
//     modern has no insecure port, and the fault is refused there;
//   - listener: a goroutine closes the port's listener as soon as it is
//     served, while stopCh is still open (modern: the secure port's, its
//     only one);
//   - slow-request: from v1.9, a goroutine closes the channel that answers
//     the tour's slow request once every listener has closed (modern: and
//     HTTPServerStoppedListening is signalled), so the answer comes after
//     "Stopped listening", however slow the machine. In v1.7 nothing
//     answers it: Run returns without waiting for it, and the tour hangs
//     up in place of the process exit that would cut it off;
//   - etcd: the walkthrough runs an etcd of its own (Debian's), points
//     --etcd-servers at it, and the tour kills it after its requests and
//     starts it again (see etcdFault).
//
// apiextensions is a config field a step reads. injectFault returns a
// channel closed once the fault has struck (nil when nothing strikes
// during the run: the tour waits for it before its requests, so they
// cannot end the run first), what to release once the run is over, and
// what the tour does before it stops the run (nil: nothing). It fails
// when the port or etcd cannot be had.
func injectFault(ctx context.Context, s *options.ServerRunOptions) (struck <-chan struct{}, release func(), outage tourOutage, err error) {
	if s.Era == server.EraModern && s.Break == options.BreakInsecureBind {
		return nil, nil, nil, lang.Errorf("modern kube-apiserver has no insecure port: it stopped serving it in v1.20 (PR #95856); " +
			"--break=listener breaks the secure port instead")
	}
	switch s.Break {
	case options.BreakEtcd:
		f, err := startEtcdFault(ctx, s)
		if err != nil {
			return nil, nil, nil, err
		}
		return nil, f.release, f.outage, nil
	case options.BreakInsecureBind:
		ln, err := insecureListener(s)
		if err != nil {
			return nil, nil, nil, err
		}
		addr := ln.Addr().(*net.TCPAddr)
		s.InsecureServing.Listener = nil // listen again, on the port held
		s.InsecureServing.BindAddress, s.InsecureServing.BindPort = addr.IP, addr.Port
		trace.Log(ctx).Warn().Str(trace.LogNoteKey, lang.Say(ctx, "as another process would: serveInsecurely's listen fails, "+
			"and NonBlockingRun closes internalStopCh before returning the error")).
			Msg(lang.Sayf(ctx, "--break=insecure-bind: holding %s", addr))
		return nil, func() { ln.Close() }, nil, nil
	case options.BreakListener:
		if s.Era == server.EraModern {
			struck, release, err := breakSecureListener(ctx, s)
			return struck, release, nil, err
		}
		ln, err := insecureListener(s)
		if err != nil {
			return nil, nil, nil, err
		}
		s.InsecureServing.Listener = ln
		struck := trace.Go(ctx, "--break=listener: close the insecure listener", func(ctx context.Context) {
			if !listening(ctx, ln.Addr().String()) {
				return // Run failed first
			}
			trace.Log(ctx).Warn().Str(trace.LogNoteKey, lang.Say(ctx, "Serve returns while stopCh is open, so RunServer's serve goroutine panics")).
				Msg(lang.Say(ctx, "--break=listener: closing the insecure listener"))
			trace.CloseListener(ctx, ln)
		})
		return struck, func() {}, nil, nil
	case options.BreakSlowRequest:
		release := make(chan struct{})
		s.SlowRequests = release
		if !s.Era.Since(server.EraV19) { // nothing answers it: see above
			return nil, func() { close(release) }, nil, nil
		}
		trace.Go(ctx, "--break=slow-request: answer the slow request once the listeners closed", func(ctx context.Context) {
			defer close(release)
			listenersClosed(ctx)
			for !closed(ctx, "HTTPServerStoppedListening") { // modern: and the signal that says so
				time.Sleep(2 * time.Millisecond)
			}
		})
		return nil, func() {}, nil, nil
	}
	return nil, func() {}, nil, nil
}

// listenersClosed waits, polling the kit, until every listener the run
// opened is closed and every serve goroutine has logged its "Stopped
// listening": after the run opened some, or, once ctx is done (Run has
// returned), whatever it opened.
func listenersClosed(ctx context.Context) {
	for {
		st, _ := trace.StatsFrom(ctx)
		serving := slices.ContainsFunc(st.Open, func(o trace.Open) bool { return o.Name == "RunServer: serve" })
		if st.ListenersClosed == st.ListenersOpened && !serving && (st.ListenersOpened > 0 || ctx.Err() != nil) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// insecureListener returns the insecure port's listener: the one the
// options carry, or one bound now on --insecure-bind-address and
// --insecure-port.
func insecureListener(s *options.ServerRunOptions) (net.Listener, error) {
	in := s.InsecureServing
	if in.Listener != nil {
		return in.Listener, nil
	}
	if in.BindPort <= 0 {
		return nil, lang.Errorf("needs the insecure port, and --insecure-port is 0")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(in.BindAddress.String(), strconv.Itoa(in.BindPort)))
	if err != nil {
		return nil, lang.Errorf("cannot take the insecure port: %v", err)
	}
	return ln, nil
}

// breakSecureListener is --break=listener in the modern era: the secure
// port's listener (bound now, as ApplyTo would bind it, unless the
// options carry one) is closed as soon as it is served, while stopCh is
// open, so that RunServer's serve goroutine panics as v1.7's does.
func breakSecureListener(ctx context.Context, s *options.ServerRunOptions) (<-chan struct{}, func(), error) {
	sec := s.SecureServing
	if sec.Listener == nil {
		if sec.BindPort <= 0 {
			return nil, nil, lang.Errorf("needs the secure port, and --secure-port is 0")
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(sec.BindAddress.String(), strconv.Itoa(sec.BindPort)))
		if err != nil {
			return nil, nil, lang.Errorf("cannot take the secure port: %v", err)
		}
		sec.Listener = ln
	}
	ln := sec.Listener
	struck := trace.Go(ctx, "--break=listener: close the secure listener", func(ctx context.Context) {
		if !listening(ctx, ln.Addr().String()) {
			return // Run failed first
		}
		trace.Log(ctx).Warn().Str(trace.LogNoteKey, lang.Say(ctx, "Serve returns while stopCh is open, so RunServer's serve goroutine panics")).
			Msg(lang.Say(ctx, "--break=listener: closing the secure listener"))
		trace.CloseListener(ctx, ln)
	})
	return struck, func() {}, nil
}
