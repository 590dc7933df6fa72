package app_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/spf13/pflag"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs app.Run with the command line args on pre-bound loopback
// listeners, waits until its /healthz answers ok (every post-start hook
// done, every APIService Available) and the bootstrap controller's loops
// have made their first run, and returns a client config for the insecure
// port; the cleanup closes the client's connections (closing stopCh
// closes only the listeners, as upstream), then stopCh, stops what
// upstream never stops (stopNeverStopped) and waits for every goroutine
// Run started.
func start(t *testing.T, args ...string) *rest.Config {
	t.Helper()
	config, _ := startPorts(t, args...)
	return config
}

// startPorts is start, returning also the secure port it serves.
func startPorts(t *testing.T, args ...string) (_ *rest.Config, securePort int) {
	t.Helper()
	ctx, rec := kittest.New(t)
	s := options.NewServerRunOptions(ctx)
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	s.AddFlags(ctx, fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	s.InsecureServing.Listener, s.SecureServing.Listener = listen(t), listen(t)
	stopCh := make(chan struct{})
	runErr := make(chan error, 1)
	done := trace.Go(ctx, "test: app.Run", func(ctx context.Context) { runErr <- app.Run(ctx, s, stopCh) })
	transport := &http.Transport{}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		close(stopCh)
		kittest.Await(t, done, "Run to return")
		if err := <-runErr; err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		stopNeverStopped(t, rec)
	})
	base := "http://" + s.InsecureServing.Listener.Addr().String()
	waitHealthy(t, base)
	waitLoops(t, rec.Kit)
	return &rest.Config{Host: base, Transport: transport}, s.SecureServing.Listener.Addr().(*net.TCPAddr).Port
}

// waitLoops waits until every loop of the bootstrap controller, which
// upstream never stops, waits on a channel: they have made their first
// run (the system namespaces exist) and wait for the next.
func waitLoops(t *testing.T, kit *trace.Kit) {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(time.Millisecond) {
		running := 0
		for _, o := range kit.Stats().Open {
			if o.Kind == "goroutine" && strings.HasPrefix(o.Name, "bootstrap: ") && o.WaitingOn == "" {
				running++
			}
		}
		if running == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loops upstream never stops did not settle within %v: %v", kittest.Deadline, kit.Stats().Open)
		}
	}
}

// stopNeverStopped is the tests' end of a run: it stops the goroutines
// upstream never stops (the bootstrap controller's loops), waits for
// every goroutine, and closes the connections the loopback client left,
// as the process's exit would.
func stopNeverStopped(t *testing.T, rec *kittest.Recorder) {
	t.Helper()
	rec.Kit.StopNeverStopped()
	rec.Wait(t)
	rec.Kit.CloseIdleConnections()
}

// waitHealthy polls base's /healthz until it answers 200, failing after
// kittest.Deadline.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(2 * time.Millisecond) {
		if resp, err := c.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz did not answer ok within %v", base, kittest.Deadline)
		}
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestClientGoDiscoversAllThreeServers lists the groups and resources of
// the chain with client-go's discovery client, through the insecure port.
func TestClientGoDiscoversAllThreeServers(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(start(t))
	if err != nil {
		t.Fatal(err)
	}
	groups, resources, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("ServerGroupsAndResources: %v", err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	if want := []string{"", "apiregistration.k8s.io", "apiextensions.k8s.io"}; !slices.Equal(names, want) {
		t.Errorf("groups = %q; want %q", names, want)
	}
	want := map[string][]string{
		"v1":                             {"namespaces", "endpoints", "services"},
		"apiregistration.k8s.io/v1beta1": {"apiservices", "apiservices/status"},
		"apiextensions.k8s.io/v1beta1":   {"customresourcedefinitions"},
	}
	for _, list := range resources {
		var got []string
		for _, r := range list.APIResources {
			got = append(got, r.Name)
		}
		if !slices.Equal(got, want[list.GroupVersion]) {
			t.Errorf("%s serves %q; want %q", list.GroupVersion, got, want[list.GroupVersion])
		}
		delete(want, list.GroupVersion)
	}
	if len(want) != 0 {
		t.Errorf("no resources discovered for %v", want)
	}
}

// TestClientGoNamespacesOverProtobuf creates, gets, lists and deletes a
// namespace with the typed clientset, which speaks protobuf.
func TestClientGoNamespacesOverProtobuf(t *testing.T) {
	config := start(t)
	config.ContentType = "application/vnd.kubernetes.protobuf"
	var wire []string // the Content-Type of every response
	config.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil {
				wire = append(wire, resp.Header.Get("Content-Type"))
			}
			return resp, err
		})
	}
	cs, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	namespaces := cs.CoreV1().Namespaces()

	created, err := namespaces.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubewalk"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created.Status.Phase != corev1.NamespaceActive || created.UID == "" {
		t.Errorf("created %+v; want an Active namespace with a uid", created)
	}
	again := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kubewalk"}}
	if _, err := namespaces.Create(ctx, again, metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second Create = %v; want AlreadyExists", err)
	}
	got, err := namespaces.Get(ctx, "kubewalk", metav1.GetOptions{})
	if err != nil || got.UID != created.UID {
		t.Fatalf("Get = %+v, %v; want the namespace created", got, err)
	}
	// The bootstrap controller has made default, kube-system and kube-public.
	list, err := namespaces.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 4 {
		t.Fatalf("List = %+v, %v; want the three system namespaces and kubewalk", list, err)
	}
	if err := namespaces.Delete(ctx, "kubewalk", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := namespaces.Get(ctx, "kubewalk", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get after Delete = %v; want NotFound", err)
	}
	if len(wire) != 6 {
		t.Errorf("saw %d responses; want 6", len(wire))
	}
	for i, ct := range wire {
		if ct != "application/vnd.kubernetes.protobuf" {
			t.Errorf("response %d was %s; want protobuf", i, ct)
		}
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
