// Go servers refuse TLS below 1.2 by default since Go 1.22; let this test
// binary's servers accept TLS 1.0 and 1.1 again, so that only
// serveSecurely's MinVersion can refuse them and the TLS floor test
// fails if it goes.
//
//go:debug tls10server=1
package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/cert"
	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

// newServer builds a server named name on delegate, with a /<name> path
// of its own, or fails the test.
func newServer(t *testing.T, name string, delegate server.DelegationTarget, configure func(*server.Config)) *server.GenericAPIServer {
	t.Helper()
	c := server.NewConfig()
	c.LoopbackClientConfig = &rest.Config{} // New insists; these servers have no hooks that use it
	if configure != nil {
		configure(c)
	}
	s, err := c.Complete().New(context.Background(), name, delegate)
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	s.Handler.NonGoRestfulMux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	})
	return s
}

func TestDelegationChainRoutesToTheServerThatHasThePath(t *testing.T) {
	first := newServer(t, "first", server.EmptyDelegate, nil)
	second := newServer(t, "second", first, func(c *server.Config) {
		c.Version = &version.Info{GitVersion: "v1.7.0-kubewalk"}
	})
	third := newServer(t, "third", second, nil)
	ts := httptest.NewServer(third.Handler)
	defer ts.Close()

	tests := []struct {
		path       string
		wantStatus int
		wantBy     string
	}{
		{"/first", http.StatusOK, "first"},
		{"/second", http.StatusOK, "second"},
		{"/third", http.StatusOK, "third"},
		{"/version", http.StatusOK, "second"},
		{"/apis", http.StatusOK, "third"}, // the outermost server answers /apis
		{"/nowhere", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || resp.Header.Get(mux.ServedByHeader) != tt.wantBy {
			t.Errorf("GET %s = %d served by %q; want %d by %q", tt.path, resp.StatusCode,
				resp.Header.Get(mux.ServedByHeader), tt.wantStatus, tt.wantBy)
		}
	}

	// / lists every server's paths; the 404 at the end of the chain lists
	// those of the innermost server only, as upstream's IndexLister does.
	if got := index(t, ts.URL+"/"); !slices.Equal(got, []string{"/apis", "/first", "/second", "/third", "/version"}) {
		t.Errorf("GET / lists %q; want the paths of all three servers", got)
	}
	if got := index(t, ts.URL+"/nowhere"); !slices.Equal(got, []string{"/apis", "/first"}) {
		t.Errorf("GET /nowhere lists %q; want the first server's paths", got)
	}
}

func index(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var paths metav1.RootPaths
	if err := json.NewDecoder(resp.Body).Decode(&paths); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return paths.Paths
}

func TestInstallAPIGroupListsTheGroupAtApis(t *testing.T) {
	s := newServer(t, "s", server.EmptyDelegate, nil)
	gv := schema.GroupVersion{Group: "example.kubewalk.io", Version: "v1"}
	err := s.InstallAPIGroup(context.Background(), &endpoints.APIGroupInfo{GroupVersion: gv, Resources: []endpoints.Resource{{
		Name: "widgets", Kind: "Widget", Namespaced: true,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InstallAPIGroup(context.Background(), &endpoints.APIGroupInfo{GroupVersion: schema.GroupVersion{Version: "v1"}}); err == nil {
		t.Error("InstallAPIGroup with an empty group succeeded; want an error")
	}
	if err := s.InstallLegacyAPIGroup(context.Background(), "/oapi", &endpoints.APIGroupInfo{}); err == nil {
		t.Error("InstallLegacyAPIGroup(/oapi) succeeded; want an error: only /api is allowed")
	}
	ts := httptest.NewServer(s.Handler)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/apis")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list metav1.APIGroupList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list.Groups) != 1 || list.Groups[0].Name != gv.Group {
		t.Errorf("/apis = %+v; want only %s", list.Groups, gv.Group)
	}
}

func TestPrepareRunInstallsHealthzWithTheDelegatesChecks(t *testing.T) {
	ctx, _ := kittest.New(t)
	first := newServer(t, "first", server.EmptyDelegate, nil)
	if err := first.AddHealthzChecks(namedCheck("first-check")); err != nil {
		t.Fatal(err)
	}
	second := newServer(t, "second", first, nil)
	second.PrepareRun(ctx)
	if err := second.AddHealthzChecks(namedCheck("late")); err == nil {
		t.Error("AddHealthzChecks after PrepareRun succeeded; want an error")
	}
	ts := httptest.NewServer(second.Handler)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/healthz?verbose")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := "[+]ping ok\n[+]first-check ok\nhealthz check passed\n"
	if resp.StatusCode != http.StatusOK || string(body) != want {
		t.Errorf("GET /healthz?verbose = %d %q; want 200 %q", resp.StatusCode, body, want)
	}
}

func getWith(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return string(b)
}

func TestRunServesTLSUntilStopChAndCascades(t *testing.T) {
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	certificate, pool := selfSigned(t)
	s := newServer(t, "secure", server.EmptyDelegate, func(c *server.Config) {
		c.SecureServingInfo = &server.SecureServingInfo{BindAddress: "127.0.0.1:0", Listener: listen(t), Cert: &certificate}
	})
	stopCh := trace.Make(ctx, make(chan struct{}), "stopCh", "the test")
	runErr := make(chan error, 1)
	done := trace.Go(ctx, "test: Run", func(ctx context.Context) { runErr <- s.PrepareRun(ctx).Run(ctx, stopCh) })

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
		DisableKeepAlives: true,
	}}
	url := "https://" + s.SecureServingInfo.Listener.Addr().String() + "/secure"
	_, err := client.Get(url)
	if !isProtocolVersionAlert(err) {
		t.Errorf("GET with TLS 1.0-1.1 = %v; want the server's protocol version alert", err)
	}
	client.Transport.(*http.Transport).TLSClientConfig.MinVersion = 0
	client.Transport.(*http.Transport).TLSClientConfig.MaxVersion = 0
	if got := getWith(t, client, url); got != "secure" {
		t.Errorf("GET /secure = %q; want secure", got)
	}

	trace.Close(ctx, stopCh)
	kittest.Await(t, done, "Run to return")
	if err := <-runErr; err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	rec.Wait(t)
	end(nil) // the test's span holds the stopCh close
	var cascade []string
	for _, e := range rec.Events() {
		switch e.Name {
		case trace.EventChanClose:
			cascade = append(cascade, e.Attrs[trace.ChanNameKey])
		case trace.EventListenerClose:
			cascade = append(cascade, "listener")
		}
		if strings.HasPrefix(e.Name, "Stopped listening on") {
			cascade = append(cascade, "stopped")
		}
	}
	if want := []string{"stopCh", "internalStopCh", "listener", "stopped"}; !slices.Equal(cascade, want) {
		t.Errorf("cascade = %q; want %q", cascade, want)
	}
	for _, name := range []string{"server.GenericAPIServer.PrepareRun", "server.preparedGenericAPIServer.Run",
		"server.preparedGenericAPIServer.NonBlockingRun", "server.GenericAPIServer.serveSecurely", "server.RunServer"} {
		rec.Span(t, name)
	}
}

// isProtocolVersionAlert reports whether err is the alert a TLS server
// sends a client whose versions it does not accept: the refusal came from
// the server, not from the client's own configuration.
func isProtocolVersionAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error" &&
		strings.HasSuffix(op.Err.Error(), "protocol version not supported")
}

func TestNonBlockingRunClosesInternalStopChWhenThePortIsInUse(t *testing.T) {
	ctx, rec := kittest.New(t)
	busy := listen(t)
	defer busy.Close()
	certificate, _ := selfSigned(t)
	s := newServer(t, "secure", server.EmptyDelegate, func(c *server.Config) {
		c.SecureServingInfo = &server.SecureServingInfo{BindAddress: busy.Addr().String(), Cert: &certificate}
	})
	stopCh := make(chan struct{})
	err := s.PrepareRun(ctx).NonBlockingRun(ctx, stopCh)
	if err == nil || !strings.Contains(err.Error(), "failed to listen on "+busy.Addr().String()) {
		t.Fatalf("NonBlockingRun = %v; want failed to listen on %s", err, busy.Addr())
	}
	st := rec.Kit.Stats()
	if st.GoroutinesStarted != 0 || st.ChansClosed != 1 || len(st.Open) != 0 {
		t.Errorf("Stats() = %+v; want internalStopCh closed and no goroutine started", st)
	}
}

func namedCheck(name string) healthzChecker { return healthzChecker(name) }

type healthzChecker string

func (c healthzChecker) Name() string              { return string(c) }
func (c healthzChecker) Check(*http.Request) error { return nil }

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certPEM, keyPEM, err := cert.GenerateSelfSignedCertKey("127.0.0.1", []net.IP{net.IPv4(127, 0, 0, 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	certificate, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certificate, pool
}

func TestDebugWalkthroughServesTheKitsState(t *testing.T) {
	ctx, rec := kittest.New(t)
	release := make(chan struct{})
	s := newServer(t, "s", server.EmptyDelegate, func(c *server.Config) { c.SlowRequests = release })
	ts := httptest.NewUnstartedServer(s.Handler)
	ts.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	ts.Start()
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/debug/walkthrough")
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Steps             int `json:"steps"`
		GoroutinesStarted int `json:"goroutinesStarted"`
		Open              []struct{ Kind, Name string }
	}
	err = json.NewDecoder(resp.Body).Decode(&state)
	resp.Body.Close()
	// The request itself runs in the timeout filter's goroutine: it is open.
	if err != nil || state.GoroutinesStarted != 1 || len(state.Open) != 1 || state.Open[0].Kind != "goroutine" {
		t.Errorf("GET /debug/walkthrough = %+v, %v; want the request's own goroutine open", state, err)
	}

	// The slow request is held until release is closed, and answered then.
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get(ts.URL + "/debug/walkthrough/slow")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	deadline := time.Now().Add(kittest.Deadline)
	for !slices.ContainsFunc(rec.Kit.Stats().Open, func(o trace.Open) bool { return strings.Contains(o.Name, "/debug/walkthrough/slow") }) {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never reached its handler")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case code := <-answered:
		t.Fatalf("the slow request was answered (%d) before its release", code)
	default:
	}
	close(release)
	if code := kittest.Await(t, answered, "the slow request's answer"); code != http.StatusOK {
		t.Errorf("GET /debug/walkthrough/slow = %d after the release; want 200", code)
	}
}
