package endpoint_test

//lint:file-ignore SA1019 v1.7 has core v1 Endpoints (EndpointSlices came in v1.16)

import (
	"context"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry/core/endpoint"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func endpoints(ip string, ports ...corev1.EndpointPort) *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Subsets:    []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: ip}}, Ports: ports}},
	}
}

// TestValidateAsV17 checks the rules the bootstrap controller meets: an
// address is a routable IP (never loopback, as the walkthrough's ports
// are), every subset has ports, a port has a protocol (TCP by default).
func TestValidateAsV17(t *testing.T) {
	https := corev1.EndpointPort{Name: "https", Port: 6443}
	tests := []struct {
		name string
		obj  *corev1.Endpoints
		want string // part of the error; "" for valid
	}{
		{"the advertise address", endpoints("192.0.2.10", https), ""},
		{"loopback", endpoints("127.0.0.1", https), "subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8)"},
		{"unspecified", endpoints("0.0.0.0", https), "may not be unspecified (0.0.0.0)"},
		{"not an IP", endpoints("localhost", https), "subsets[0].addresses[0].ip"},
		{"no ports", endpoints("192.0.2.10"), "subsets[0].ports: Required value"},
		{"two ports, one unnamed", endpoints("192.0.2.10", https, corev1.EndpointPort{Port: 80}), "subsets[0].ports[1].name: Required value"},
		{"no addresses", &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "default"},
			Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{https}}}}, "must specify `addresses` or `notReadyAddresses`"},
	}
	s := endpoint.NewStrategy(runtime.NewScheme())
	for _, tt := range tests {
		s.PrepareForCreate(context.Background(), tt.obj)
		errs := s.Validate(context.Background(), tt.obj)
		got := errs.ToAggregate()
		if tt.want == "" && got != nil || tt.want != "" && (got == nil || !strings.Contains(got.Error(), tt.want)) {
			t.Errorf("%s: Validate = %v; want %q", tt.name, got, tt.want)
		}
	}
}

func TestRepackSubsetsMergesAndSorts(t *testing.T) {
	port := corev1.EndpointPort{Name: "https", Port: 6443, Protocol: corev1.ProtocolTCP}
	subsets := endpoint.RepackSubsets([]corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.20"}}, Ports: []corev1.EndpointPort{port}},
		{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.10"}, {IP: "192.0.2.20"}}, Ports: []corev1.EndpointPort{port}},
	})
	if len(subsets) != 1 || len(subsets[0].Addresses) != 2 || subsets[0].Addresses[0].IP != "192.0.2.10" {
		t.Errorf("RepackSubsets = %+v; want one subset, 192.0.2.10 then 192.0.2.20", subsets)
	}
}
