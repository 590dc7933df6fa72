package app_test

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// hooks are the post-start hooks of v1.7's three servers that the
// walkthrough has, as the aggregator runs them all.
var hooks = []string{
	"apiservice-registration-controller",
	"apiservice-status-available-controller",
	"bootstrap-controller",
	"generic-apiserver-start-informers",
	"kube-apiserver-autoregistration",
	"start-apiextensions-informers",
	"start-kube-aggregator-informers",
	"start-kube-apiserver-informers",
}

// TestHealthzVerboseListsEveryHook: once Run serves and its hooks are
// done, /healthz?verbose passes every check: ping, one per hook, and the
// aggregator's autoregister-completion.
func TestHealthzVerboseListsEveryHook(t *testing.T) {
	config := start(t)
	body, err := kubernetes.NewForConfigOrDie(config).Discovery().RESTClient().Get().
		AbsPath("/healthz").Param("verbose", "true").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /healthz?verbose: %v", err)
	}
	want := []string{"[+]ping ok"}
	for _, h := range hooks {
		want = append(want, "[+]poststarthook/"+h+" ok")
	}
	want = append(want, "[+]autoregister-completion ok", "healthz check passed")
	got := strings.Split(strings.TrimSpace(string(body)), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("/healthz?verbose =\n%s\nwant the lines\n%s", body, strings.Join(want, "\n"))
	}
}

// TestTheBootstrapControllerMakesTheCluster: the system namespaces; the
// kubernetes service at the first IP of --service-cluster-ip-range (change
// the flag: it follows), port 443 to the secure port; its endpoints, the
// advertise address and the secure port.
func TestTheBootstrapControllerMakesTheCluster(t *testing.T) {
	for _, tt := range []struct {
		args      []string
		clusterIP string
	}{
		{nil, "10.0.0.1"},
		{[]string{"--service-cluster-ip-range=10.96.0.0/12"}, "10.96.0.1"},
	} {
		t.Run(tt.clusterIP, func(t *testing.T) {
			config, securePort := startPorts(t, tt.args...)
			cs := kubernetes.NewForConfigOrDie(config)
			ctx := context.Background()
			list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ns := range list.Items {
				names = append(names, ns.Name)
			}
			slices.Sort(names)
			if want := []string{"default", "kube-public", "kube-system"}; !slices.Equal(names, want) {
				t.Errorf("namespaces %q; want %q", names, want)
			}

			svc, err := cs.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p := svc.Spec.Ports; svc.Spec.ClusterIP != tt.clusterIP || len(p) != 1 || p[0].Name != "https" || p[0].Port != 443 ||
				p[0].TargetPort.IntValue() != securePort || svc.Spec.Type != "ClusterIP" {
				t.Errorf("service kubernetes: %s %s, ports %+v; want ClusterIP %s, https 443 → %d", svc.Spec.Type, svc.Spec.ClusterIP, p, tt.clusterIP, securePort)
			}

			ep, err := cs.CoreV1().Endpoints(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The secure port binds loopback; as upstream, the advertise
			// address is then the host's.
			advertise, err := utilnet.ResolveBindAddress(net.ParseIP("127.0.0.1"))
			if err != nil {
				t.Fatal(err)
			}
			if s := ep.Subsets; len(s) != 1 || len(s[0].Addresses) != 1 || s[0].Addresses[0].IP != advertise.String() ||
				len(s[0].Ports) != 1 || int(s[0].Ports[0].Port) != securePort {
				t.Errorf("endpoints kubernetes: %+v; want %s:%d", s, advertise, securePort)
			}
		})
	}
}

// TestEveryAPIServiceIsAvailable: the aggregator's autoregister
// controller made an APIService for every group version the delegates
// serve, each local (no service) and Available, with v1.7's priorities.
func TestEveryAPIServiceIsAvailable(t *testing.T) {
	client, err := dynamic.NewForConfig(start(t))
	if err != nil {
		t.Fatal(err)
	}
	list, err := client.Resource(apiregistration.Resource).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// name → group priority minimum, version priority. The aggregator's
	// own group has none: v1.7 registers only what its delegates serve.
	want := map[string]string{
		"v1.":                          "18000 1",
		"v1beta1.apiextensions.k8s.io": "16700 9",
	}
	for i := range list.Items {
		a, err := apiregistration.FromUnstructured(&list.Items[i])
		if err != nil {
			t.Fatal(err)
		}
		got := strconv.Itoa(int(a.Spec.GroupPriorityMinimum)) + " " + strconv.Itoa(int(a.Spec.VersionPriority))
		if w, ok := want[a.Name]; !ok || got != w || a.Spec.Service != nil || !apiregistration.IsAPIServiceConditionTrue(a, apiregistration.Available) {
			t.Errorf("APIService %s: priorities %s, service %v, conditions %+v; want %q, local, Available", a.Name, got, a.Spec.Service, a.Status.Conditions, w)
		}
		delete(want, a.Name)
	}
	if len(want) != 0 {
		t.Errorf("no APIService for %v", want)
	}
}
