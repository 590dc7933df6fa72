package portallocator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/portallocator"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes/fake"
)

func TestPortAllocator(t *testing.T) {
	pr := utilnet.PortRange{Base: 30000, Size: 3}
	a := portallocator.NewPortAllocator(pr)
	var notInRange *portallocator.ErrNotInRange
	if err := a.Allocate(29999); !errors.As(err, &notInRange) || err.Error() != "provided port is not in the valid range. The range of valid ports is 30000-30002" {
		t.Errorf("Allocate(29999) = %v; want upstream's not-in-range error", err)
	}
	if err := a.Allocate(30000); err != nil {
		t.Fatal(err)
	}
	if err := a.Allocate(30000); err != portallocator.ErrAllocated {
		t.Errorf("Allocate(30000) again = %v; want %v", err, portallocator.ErrAllocated)
	}
	for range 2 {
		if _, err := a.AllocateNext(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AllocateNext(); err != portallocator.ErrFull {
		t.Errorf("AllocateNext() on a full range = %v; want %v", err, portallocator.ErrFull)
	}
}

func TestRepairMarksAServicesNodePortTaken(t *testing.T) {
	pr := utilnet.PortRange{Base: 30000, Size: 100}
	mem := allocator.NewMemory(allocator.NewAllocationMap(pr.Size, pr.String()), schema.GroupResource{Resource: "servicenodeportallocations"})
	a := portallocator.NewPortAllocatorCustom(pr, func(int, string) allocator.Interface { return mem })
	client := fake.NewClientset(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 443, NodePort: 30042}}},
	})
	if err := portallocator.NewRepair(0, client.CoreV1(), pr, mem).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !a.Has(30042) || a.Used() != 1 {
		t.Errorf("after the repair: 30042 taken %v, %d used; want it taken, alone", a.Has(30042), a.Used())
	}
}
