package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
)

var (
	genericapiserverGo = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/genericapiserver.go", Ref: "v1.7.0", Chapter: "preparerun",
	}
	upstreamPrepareRun     = genericapiserverGo.Func("server.GenericAPIServer.PrepareRun")
	upstreamRun            = genericapiserverGo.Func("server.preparedGenericAPIServer.Run")
	upstreamNonBlockingRun = genericapiserverGo.Func("server.preparedGenericAPIServer.NonBlockingRun")
	upstreamServeSecurely  = trace.UpstreamFile{
		Path: "staging/src/k8s.io/apiserver/pkg/server/serve.go", Ref: "v1.7.0", Chapter: "preparerun",
	}.Func("server.GenericAPIServer.serveSecurely")
)

// preparedGenericAPIServer is a GenericAPIServer whose last routes are
// installed; only it can Run. PrepareRun makes one.
type preparedGenericAPIServer struct {
	*GenericAPIServer
}

// PrepareRun installs the routes that must come after every API group:
// /healthz with every check registered so far (its own and its
// delegates'). Checks added later are an error. Call it once per server.
func (s *GenericAPIServer) PrepareRun(ctx context.Context) preparedGenericAPIServer {
	if s.era == EraModern {
		return s.prepareRunModern(ctx) // healthz_modern.go
	}
	ctx, end := trace.Step(ctx, s.era.in(upstreamPrepareRun))
	defer end(nil)

	s.installHealthz()
	trace.Log(ctx).Info().Str("server", s.name).Strs("checks", s.healthzNames()).
		Str(trace.LogNoteKey, lang.Say(ctx, "PrepareRun is the last chance to add routes: /healthz now runs every check the chain registered.")).
		Msg(lang.Say(ctx, "installed /healthz"))
	return preparedGenericAPIServer{s}
}

// Run serves the secure port until stopCh is closed, then returns nil.
// It returns at once with an error if the secure port cannot be listened
// on. Run does not wait for the serving goroutines: they end when the
// listener closes, which follows from stopCh through internalStopCh.
func (s preparedGenericAPIServer) Run(ctx context.Context, stopCh <-chan struct{}) (err error) {
	switch s.era { // the later eras' Run: run_v19.go, run_modern.go
	case EraV19:
		return s.runV19(ctx, stopCh)
	case EraModern:
		return s.runModern(ctx, stopCh)
	}
	ctx, end := trace.Step(ctx, upstreamRun)
	defer end(&err)

	// --8<-- [start:run]
	if err := s.NonBlockingRun(ctx, stopCh); err != nil {
		return err
	}

	trace.Recv(ctx, stopCh)
	return nil
	// --8<-- [end:run]
}

// NonBlockingRun starts serving the secure port, when there is one, then
// runs the post-start hooks with stopCh (RunPostStartHooks), and returns
// without blocking. It makes its own internalStopCh for the listener, so
// that an error can shut down what it started without closing the
// caller's stopCh; a goroutine closes internalStopCh once stopCh is
// closed. On error internalStopCh is closed before returning, no
// goroutine is left running and no hook has run.
//
// It has a twin for the insecure port, kubeserver.NonBlockingRun in
// chapters/nonblockingrun, because upstream has the same two: line for
// line alike up to the forwarding goroutine.
func (s preparedGenericAPIServer) NonBlockingRun(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamNonBlockingRun)
	defer end(&err)

	// --8<-- [start:nonblockingrun]
	internalStopCh := trace.Make(ctx, make(chan struct{}),
		"internalStopCh", "NonBlockingRun: close internalStopCh on stopCh")

	if s.SecureServingInfo != nil && s.Handler != nil {
		if err := s.serveSecurely(ctx, internalStopCh); err != nil {
			trace.Close(ctx, internalStopCh)
			return err
		}
	}

	// The listener is bound: from here on the caller ends it by closing stopCh.
	trace.Go(ctx, "NonBlockingRun: close internalStopCh on stopCh", func(ctx context.Context) {
		trace.Recv(ctx, stopCh)
		trace.Close(ctx, internalStopCh)
	})
	// --8<-- [end:nonblockingrun]

	// --8<-- [start:hooks]
	s.RunPostStartHooks(ctx, stopCh)
	// --8<-- [end:hooks]
	return nil
}

// serveSecurely builds the HTTPS server (TLS 1.2 at least, unless
// SecureServingInfo says otherwise) and starts it with RunServer on
// SecureServingInfo.Listener, or on BindAddress when that is nil. It
// fails only if the port cannot be listened on; serving goes on in
// RunServer's goroutines until stopCh is closed.
func (s *GenericAPIServer) serveSecurely(ctx context.Context, stopCh <-chan struct{}) (err error) {
	ctx, end := trace.Step(ctx, upstreamServeSecurely)
	defer end(&err)

	info := s.SecureServingInfo
	tlsConfig, err := info.tlsConfig()
	if err != nil {
		return err
	}
	secureServer := &http.Server{
		Addr:           info.BindAddress,
		Handler:        s.Handler,
		MaxHeaderBytes: 1 << 20,
		TLSConfig:      tlsConfig,
	}

	trace.Log(ctx).Info().Msgf("Serving securely on %s", info.BindAddress)
	s.effectiveSecurePort, err = RunServer(ctx, secureServer, info.Listener, info.BindNetwork, stopCh)
	return err
}

// tlsConfig is the TLS configuration every era's secure server has: TLS
// 1.2 at least, unless the info says otherwise, HTTP/2, the serving
// certificate, then the SNI ones, and client certificates asked for when
// there is a client CA. It fails when there is no serving certificate.
func (info *SecureServingInfo) tlsConfig() (*tls.Config, error) {
	if info.Cert == nil {
		return nil, fmt.Errorf("no serving certificate for %s", info.BindAddress)
	}
	tlsConfig := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{*info.Cert},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	// The SNI certificates follow the serving one. Go's TLS server picks
	// the first certificate valid for the name the client asks for, and
	// the serving one when none is: so a client asking for
	// apiserver-loopback-client gets the loopback certificate. (Upstream
	// also fills the NameToCertificate map, which Go has since deprecated.)
	for _, name := range slices.Sorted(maps.Keys(info.SNICerts)) {
		tlsConfig.Certificates = append(tlsConfig.Certificates, *info.SNICerts[name])
	}
	if info.MinTLSVersion > 0 {
		tlsConfig.MinVersion = info.MinTLSVersion
	}
	if len(info.CipherSuites) > 0 {
		tlsConfig.CipherSuites = info.CipherSuites
	}
	if info.ClientCA != nil {
		// Ask for a client certificate but accept connections without
		// one, so the authenticators can try other ways too.
		tlsConfig.ClientAuth = tls.RequestClientCert
		tlsConfig.ClientCAs = info.ClientCA
	}
	return tlsConfig, nil
}
