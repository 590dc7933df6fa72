package delegation_test

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/chapters/delegation"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// running is the chain, built as app.Run builds it and served on its
// secure port only, with a client of the loopback config, the one the
// hooks use.
type running struct {
	rec      *kittest.Recorder
	loopback *rest.Config
	client   kubernetes.Interface
}

// runChain builds the three servers from the default options, lets
// mutate change the master config first, and runs the aggregator's
// PrepareRun().Run on a free loopback port until /healthz answers ok:
// every hook done, every APIService Available. The cleanup closes stopCh,
// waits for Run, stops what upstream never stops and waits for every
// goroutine.
func runChain(t *testing.T, mutate func(*config.MasterConfig)) *running {
	t.Helper()
	ctx, rec := kittest.New(t, func(c *trace.Config) { c.Requests = true })
	s := options.NewServerRunOptions(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.SecureServing.Listener = ln
	c, sharedInformers, versionedInformers, _, err := config.CreateKubeAPIServerConfig(ctx, s, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(c)
	}
	extConfig, err := delegation.CreateAPIExtensionsConfig(ctx, *c.GenericConfig, s)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := delegation.CreateAPIExtensionsServer(ctx, extConfig, server.EmptyDelegate)
	if err != nil {
		t.Fatal(err)
	}
	kube, err := delegation.CreateKubeAPIServer(ctx, c, ext.GenericAPIServer, sharedInformers)
	if err != nil {
		t.Fatal(err)
	}
	kube.GenericAPIServer.PrepareRun(ctx)
	aggConfig, err := delegation.CreateAggregatorConfig(ctx, *c.GenericConfig, s, versionedInformers)
	if err != nil {
		t.Fatal(err)
	}
	agg, err := delegation.CreateAggregatorServer(ctx, aggConfig, kube.GenericAPIServer, sharedInformers, ext.Informers)
	if err != nil {
		t.Fatal(err)
	}
	stopCh := make(chan struct{})
	runErr := make(chan error, 1)
	done := trace.Go(ctx, "test: PrepareRun().Run", func(ctx context.Context) {
		runErr <- agg.GenericAPIServer.PrepareRun(ctx).Run(ctx, stopCh)
	})
	t.Cleanup(func() {
		close(stopCh)
		kittest.Await(t, done, "Run to return")
		if err := <-runErr; err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
		rec.Kit.StopNeverStopped()
		rec.Wait(t)
		rec.Kit.CloseIdleConnections()
	})
	loopback := rest.CopyConfig(c.GenericConfig.LoopbackClientConfig)
	client, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(2 * time.Millisecond) {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/healthz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer ok within %v: %s, %v", kittest.Deadline, body, err)
		}
	}
	return &running{rec: rec, loopback: loopback, client: client}
}

// TestTheBootstrapControllerBringsTheKubernetesServiceBack deletes the
// kubernetes service, and with it its endpoints (as v1.7's service REST
// does): RunKubernetesService, run every EndpointReconcilerConfig.Interval,
// creates both again, the service with the same cluster IP.
func TestTheBootstrapControllerBringsTheKubernetesServiceBack(t *testing.T) {
	r := runChain(t, func(c *config.MasterConfig) {
		c.EndpointReconcilerConfig.Interval = 10 * time.Millisecond
	})
	ctx := context.Background()
	services := r.client.CoreV1().Services(metav1.NamespaceDefault)
	before, err := services.Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The endpoints' deletion is watched for, not read after the delete:
	// the reconciler, every 10ms here, may have made them again by then.
	endpoints := r.client.CoreV1().Endpoints(metav1.NamespaceDefault)
	list, err := endpoints.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := endpoints.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := services.Delete(ctx, "kubernetes", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for deleted := false; !deleted; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch of the endpoints ended before they were deleted")
			}
			e, _ := ev.Object.(*corev1.Endpoints)
			deleted = ev.Type == watch.Deleted && e != nil && e.Name == "kubernetes"
		case <-time.After(kittest.Deadline):
			t.Fatalf("the kubernetes endpoints were not deleted with the service within %v", kittest.Deadline)
		}
	}
	after := eventually(t, "the kubernetes service", func() (*corev1.Service, error) {
		return services.Get(ctx, "kubernetes", metav1.GetOptions{})
	})
	if after.UID == before.UID || after.Spec.ClusterIP != before.Spec.ClusterIP {
		t.Errorf("after the delete: uid %s, cluster IP %s; want a new service at %s", after.UID, after.Spec.ClusterIP, before.Spec.ClusterIP)
	}
	eventually(t, "the kubernetes endpoints", func() (*corev1.Endpoints, error) {
		return r.client.CoreV1().Endpoints(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
	})
}

// eventually calls get until it finds what it gets, failing t on any
// other error or after kittest.Deadline.
func eventually[T any](t *testing.T, what string, get func() (T, error)) T {
	t.Helper()
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(time.Millisecond) {
		v, err := get()
		if err == nil {
			return v
		}
		if !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come back within %v", what, kittest.Deadline)
		}
	}
}

// TestTheLoopbackTokenIsNeverLoggedNorTraced runs the chain, whose hooks
// send their requests with the loopback token, and looks for the token in
// everything the kit recorded: the log lines, and every span's name,
// attributes and events.
func TestTheLoopbackTokenIsNeverLoggedNorTraced(t *testing.T) {
	r := runChain(t, nil)
	token := r.loopback.BearerToken
	if token == "" {
		t.Fatal("the loopback config has no token")
	}
	// The hooks' requests are in the trace: they went through the token.
	if n := len(r.rec.Trace().Named("POST /api/v1/namespaces")); n == 0 {
		t.Fatal("no request of the bootstrap controller in the trace")
	}
	if strings.Contains(r.rec.Logs(), token) {
		t.Error("the log has the loopback token")
	}
	for _, s := range r.rec.Trace().Spans {
		if strings.Contains(s.Name, token) {
			t.Errorf("span %q has the token in its name", s.Name)
		}
		for k, v := range s.Attrs {
			if strings.Contains(v, token) {
				t.Errorf("span %q: attribute %s has the token", s.Name, k)
			}
		}
		for _, e := range s.Events {
			for k, v := range e.Attrs {
				if strings.Contains(e.Name, token) || strings.Contains(v, token) {
					t.Errorf("span %q: event %q, attribute %s, has the token", s.Name, e.Name, k)
				}
			}
		}
	}
}
