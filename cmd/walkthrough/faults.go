package main

import (
	"context"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

// injectFault breaks the insecure port from outside the steps, as the
// world would, when --break asks for it:
//
//   - insecure-bind: the walkthrough holds the port itself, so that
//     serveInsecurely's listen fails as upstream's fails on a port in use;
//   - listener: a goroutine closes the port's listener as soon as it is
//     served, while stopCh is still open;
//   - slow-request: a goroutine closes the channel that answers the
//     tour's slow request once every listener has closed, so the answer
//     comes after "Stopped listening", however slow the machine.
//
// apiextensions is a config field a step reads. injectFault returns a
// channel closed once the fault has struck (nil when nothing strikes
// during the run: the tour waits for it before its requests, so they
// cannot end the run first), and what to release once the run is over.
// It fails when the port cannot be had.
func injectFault(ctx context.Context, s *options.ServerRunOptions) (struck <-chan struct{}, release func(), err error) {
	switch s.Break {
	case options.BreakInsecureBind:
		ln, err := insecureListener(s)
		if err != nil {
			return nil, nil, err
		}
		addr := ln.Addr().(*net.TCPAddr)
		s.InsecureServing.Listener = nil // listen again, on the port held
		s.InsecureServing.BindAddress, s.InsecureServing.BindPort = addr.IP, addr.Port
		trace.Log(ctx).Warn().Str(trace.LogNoteKey, lang.Say(ctx, "as another process would: serveInsecurely's listen fails, "+
			"and NonBlockingRun closes internalStopCh before returning the error")).
			Msg(lang.Sayf(ctx, "--break=insecure-bind: holding %s", addr))
		return nil, func() { ln.Close() }, nil
	case options.BreakListener:
		ln, err := insecureListener(s)
		if err != nil {
			return nil, nil, err
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
		return struck, func() {}, nil
	case options.BreakSlowRequest:
		release := make(chan struct{})
		s.SlowRequests = release
		trace.Go(ctx, "--break=slow-request: answer the slow request once the listeners closed", func(ctx context.Context) {
			defer close(release)
			listenersClosed(ctx)
		})
		return nil, func() {}, nil
	}
	return nil, func() {}, nil
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
