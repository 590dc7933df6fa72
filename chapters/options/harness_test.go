package options_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// securePort is a running secure port and what a client needs to trust it.
type securePort struct {
	addr  string
	roots *x509.CertPool // the server's self-signed certificate
}

// startSecurePort parses args as the walkthrough's command line, builds
// the generic config with CreateKubeAPIServerConfig (which defaults the
// options as upstream does, validates them and applies them in
// upstream's order), and runs the server on a fresh loopback port until
// the test ends. The insecure port is configured but not served.
func startSecurePort(t *testing.T, args ...string) securePort {
	t.Helper()
	ctx, rec := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	s.AddFlags(ctx, fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() }) // in case Run never takes it over
	s.SecureServing.Listener = ln

	mc, _, _, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err != nil {
		t.Fatalf("CreateKubeAPIServerConfig after %q: %v", args, err)
	}
	c := mc.GenericConfig
	srv, err := c.Complete().New(ctx, "matrix", server.EmptyDelegate)
	if err != nil {
		t.Fatal(err)
	}

	stopCh := make(chan struct{})
	runErr := make(chan error, 1)
	go func() { runErr <- srv.PrepareRun(ctx).Run(ctx, stopCh) }()
	t.Cleanup(func() {
		close(stopCh)
		if err := kittest.Await(t, runErr, "Run to return"); err != nil {
			t.Errorf("Run: %v", err)
		}
		// The serving goroutines end when the listener closes; wait for them.
		rec.Wait(t)
	})

	// /healthz is ok once the server's post-start hook (its informers')
	// has returned: wait for it, so the matrix sees the authorization
	// alone.
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(time.Millisecond) {
		st := rec.Kit.Stats()
		if st.Counts[server.CountHooksDone] == st.Counts[server.CountHooksStarted] && st.Counts[server.CountHooksStarted] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the post-start hooks did not end within %v", kittest.Deadline)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(s.SecureServing.ServerCert.GeneratedCert.Leaf)
	return securePort{addr: ln.Addr().String(), roots: roots}
}

// credential is what a client presents: nothing, a bearer token, or a
// client certificate.
type credential struct {
	token string
	cert  *tls.Certificate
	// force sends cert even if the server's list of acceptable CAs does
	// not include its issuer, which Go's client otherwise checks.
	force bool
}

func token(t string) credential               { return credential{token: t} }
func clientCert(c tls.Certificate) credential { return credential{cert: &c} }
func forcedCert(c tls.Certificate) credential { return credential{cert: &c, force: true} }

// response is what the matrix checks of an answer.
type response struct {
	code   int
	status *metav1.Status // the body, when it is a Status
}

// do sends method path to p over TLS with cred and returns the answer.
func (p securePort) do(t *testing.T, cred credential, method, path string) response {
	t.Helper()
	tlsConfig := &tls.Config{RootCAs: p.roots}
	if cred.cert != nil {
		tlsConfig.Certificates = []tls.Certificate{*cred.cert}
		if cred.force {
			tlsConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return cred.cert, nil
			}
		}
	}
	transport := &http.Transport{TLSClientConfig: tlsConfig, DisableKeepAlives: true}
	defer transport.CloseIdleConnections()

	req, err := http.NewRequestWithContext(context.Background(), method, "https://"+p.addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cred.token != "" {
		req.Header.Set("Authorization", "Bearer "+cred.token)
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("%s %s: not served over TLS 1.2 or later: %+v", method, path, resp.TLS)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{code: resp.StatusCode}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var st metav1.Status
		if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
			r.status = &st
		}
	}
	return r
}
