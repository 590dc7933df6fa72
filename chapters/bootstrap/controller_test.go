package bootstrap_test

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/bootstrap"
	"github.com/kubewalk/kubewalk/chapters/config"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes/fake"
)

// masterConfig is a kube-apiserver config as CreateKubeAPIServerConfig
// makes one, with the kubernetes service reconciled every interval.
func masterConfig(interval time.Duration) *config.MasterConfig {
	_, serviceIPRange, _ := net.ParseCIDR("10.0.0.0/24")
	c := &config.MasterConfig{
		GenericConfig:        server.NewConfig(),
		ServiceIPRange:       *serviceIPRange,
		APIServerServiceIP:   net.ParseIP("10.0.0.1"),
		APIServerServicePort: 443,
		ServiceNodePortRange: utilnet.PortRange{Base: 30000, Size: 2768},
		MasterCount:          1,
	}
	c.GenericConfig.PublicAddress = net.ParseIP("192.0.2.10")
	c.GenericConfig.ReadWritePort = 6443
	c.EndpointReconcilerConfig.Interval = interval
	return c
}

func newController(c *config.MasterConfig, client *fake.Clientset) *bootstrap.Controller {
	ips := allocator.NewMemory(allocator.NewAllocationMap(254, c.ServiceIPRange.String()), schema.GroupResource{Resource: "serviceipallocations"})
	ports := allocator.NewMemory(allocator.NewAllocationMap(c.ServiceNodePortRange.Size, c.ServiceNodePortRange.String()),
		schema.GroupResource{Resource: "servicenodeportallocations"})
	return bootstrap.NewBootstrapController(c, ips, ports, client.CoreV1(), client.CoreV1(), client.CoreV1())
}

// TestStartBootstrapsTheCluster starts the controller as its hook does:
// before Start returns, the default namespace, the kubernetes service and
// its endpoints exist; the runner's first round adds the system
// namespaces; a deleted kubernetes service comes back within the
// interval; and the loops are still running, as upstream never stops
// them, until the test stops them.
func TestStartBootstrapsTheCluster(t *testing.T) {
	ctx, rec := kittest.New(t)
	client := fake.NewClientset()
	c := newController(masterConfig(time.Millisecond), client)
	if err := c.PostStartHook(ctx, server.PostStartHookContext{}); err != nil {
		t.Fatal(err)
	}
	defer rec.Wait(t)
	defer rec.Kit.StopNeverStopped()

	svc, err := client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the kubernetes service does not exist after Start: %v", err)
	}
	wantPorts := []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromInt32(6443)}}
	if svc.Spec.ClusterIP != "10.0.0.1" || !slices.Equal(svc.Spec.Ports, wantPorts) || svc.Spec.Type != corev1.ServiceTypeClusterIP ||
		svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP || svc.Labels["provider"] != "kubernetes" || svc.Labels["component"] != "apiserver" {
		t.Errorf("kubernetes service = %+v; want upstream's, on 10.0.0.1", svc)
	}
	ep, err := client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil || len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Addresses[0].IP != "192.0.2.10" ||
		ep.Subsets[0].Ports[0].Port != 6443 {
		t.Errorf("kubernetes endpoints = %+v, %v; want 192.0.2.10:6443", ep, err)
	}
	await(t, "the system namespaces", func() bool {
		list, _ := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		var names []string
		for _, ns := range list.Items {
			names = append(names, ns.Name)
		}
		slices.Sort(names)
		return slices.Equal(names, []string{"default", "kube-public", "kube-system"})
	})

	if err := client.CoreV1().Services("default").Delete(ctx, "kubernetes", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, "the kubernetes service to come back", func() bool {
		_, err := client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		return err == nil
	})

	var never []string
	for _, o := range rec.Kit.Stats().Open {
		if o.NeverStopped != "" && o.Kind == "goroutine" {
			never = append(never, o.Name)
		}
	}
	if len(never) != 4 {
		t.Errorf("goroutines upstream never stops = %q; want the runner's four loops", never)
	}
}

// await polls cond every millisecond until it holds, failing after
// kittest.Deadline.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(kittest.Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", kittest.Deadline, what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestReconcileEndpointsKeepsMasterCountAddresses(t *testing.T) {
	ctx := context.Background()
	port := []corev1.EndpointPort{{Name: "https", Port: 6443, Protocol: corev1.ProtocolTCP}}
	tests := []struct {
		name        string
		existing    []string // addresses already there; nil: no endpoints
		masterCount int
		ip          string
		want        []string
	}{
		{"created", nil, 1, "192.0.2.10", []string{"192.0.2.10"}},
		{"already right", []string{"192.0.2.10"}, 1, "192.0.2.10", []string{"192.0.2.10"}},
		{"another server's replaced", []string{"192.0.2.20"}, 1, "192.0.2.10", []string{"192.0.2.10"}},
		{"joins within the count", []string{"192.0.2.20"}, 2, "192.0.2.10", []string{"192.0.2.10", "192.0.2.20"}},
		{"drops the one after it", []string{"192.0.2.11", "192.0.2.12"}, 2, "192.0.2.10", []string{"192.0.2.10", "192.0.2.12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset()
			if tt.existing != nil {
				var addrs []corev1.EndpointAddress
				for _, ip := range tt.existing {
					addrs = append(addrs, corev1.EndpointAddress{IP: ip})
				}
				client = fake.NewClientset(&corev1.Endpoints{
					ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
					Subsets:    []corev1.EndpointSubset{{Addresses: addrs, Ports: port}},
				})
			}
			r := bootstrap.NewMasterCountEndpointReconciler(tt.masterCount, client.CoreV1())
			if err := r.ReconcileEndpoints(ctx, "kubernetes", net.ParseIP(tt.ip), port, true); err != nil {
				t.Fatal(err)
			}
			ep, err := client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range ep.Subsets[0].Addresses {
				got = append(got, a.IP)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("addresses = %q; want %q", got, tt.want)
			}
		})
	}
}
