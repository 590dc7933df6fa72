package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry/core/service"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func svc(mutate func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.0.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443}}},
	}
	if mutate != nil {
		mutate(s)
	}
	return s
}

func TestDefaultsAndValidationAsV17(t *testing.T) {
	s := service.NewStrategy(runtime.NewScheme())
	ctx := context.Background()
	defaulted := svc(nil)
	s.PrepareForCreate(ctx, defaulted)
	p := defaulted.Spec.Ports[0]
	if defaulted.Spec.Type != corev1.ServiceTypeClusterIP || defaulted.Spec.SessionAffinity != corev1.ServiceAffinityNone ||
		p.Protocol != corev1.ProtocolTCP || p.TargetPort != intstr.FromInt32(443) {
		t.Errorf("defaulted spec = %+v; want ClusterIP, no affinity, TCP, target 443", defaulted.Spec)
	}
	tests := []struct {
		name   string
		mutate func(*corev1.Service)
		want   string
	}{
		{"valid", nil, ""},
		{"no ports", func(s *corev1.Service) { s.Spec.Ports = nil }, "spec.ports: Required value"},
		{"bad cluster IP", func(s *corev1.Service) { s.Spec.ClusterIP = "ten" }, "must be empty, 'None', or a valid IP address"},
		{"node port on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30000 }, "may not be used when `type` is 'ClusterIP'"},
		{"bad affinity", func(s *corev1.Service) { s.Spec.SessionAffinity = "Sticky" }, "spec.sessionAffinity: Unsupported value"},
		{"bad name", func(s *corev1.Service) { s.Name = "Kube" }, "metadata.name: Invalid value"},
	}
	for _, tt := range tests {
		obj := svc(tt.mutate)
		s.PrepareForCreate(ctx, obj)
		got := s.Validate(ctx, obj).ToAggregate()
		if tt.want == "" && got != nil || tt.want != "" && (got == nil || !strings.Contains(got.Error(), tt.want)) {
			t.Errorf("%s: Validate = %v; want %q", tt.name, got, tt.want)
		}
	}
	old := svc(nil)
	moved := svc(func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.2" })
	s.PrepareForUpdate(ctx, moved, old)
	if got := s.ValidateUpdate(ctx, moved, old).ToAggregate(); got == nil || !strings.Contains(got.Error(), "field is immutable") {
		t.Errorf("ValidateUpdate(another cluster IP) = %v; want field is immutable", got)
	}
}
