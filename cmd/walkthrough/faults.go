package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
)

// injectFault breaks the insecure port from outside the steps, as the
// world would, when --break asks for it:
//
//   - insecure-bind: the walkthrough holds the port itself, so that
//     serveInsecurely's listen fails as upstream's fails on a port in use;
//   - listener: a goroutine closes the port's listener as soon as it is
//     served, while stopCh is still open.
//
// The other faults are a config field a step reads (apiextensions,
// slow-request) and the tour's slow request. injectFault returns a channel
// closed once the fault has struck (nil when nothing strikes during the
// run: the tour waits for it before its requests, so they cannot end the
// run first), and what to release once the run is over. It fails when the
// port cannot be had.
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
		trace.Log(ctx).Warn().Str(trace.LogNoteKey, "as another process would: serveInsecurely's listen fails, "+
			"and NonBlockingRun closes internalStopCh before returning the error").
			Msg("--break=insecure-bind: holding " + addr.String())
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
			trace.Log(ctx).Warn().Str(trace.LogNoteKey, "Serve returns while stopCh is open, so RunServer's serve goroutine panics").
				Msg("--break=listener: closing the insecure listener")
			trace.CloseListener(ctx, ln)
		})
		return struck, func() {}, nil
	}
	return nil, func() {}, nil
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
		return nil, errors.New("needs the insecure port, and --insecure-port is 0")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(in.BindAddress.String(), strconv.Itoa(in.BindPort)))
	if err != nil {
		return nil, fmt.Errorf("cannot take the insecure port: %w", err)
	}
	return ln, nil
}
