package ipallocator_test

import (
	"context"
	"net"
	"testing"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	"github.com/kubewalk/kubewalk/server/registry/core/service/ipallocator"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
)

func cidr(t *testing.T, s string) *net.IPNet {
	t.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRangeHandsOutEveryAddressButTheNetworkAndBroadcast(t *testing.T) {
	r := ipallocator.NewCIDRRange(cidr(t, "10.0.0.0/29")) // 8 addresses, 6 usable
	if r.Free() != 6 {
		t.Fatalf("Free() = %d; want 6", r.Free())
	}
	for ip, want := range map[string]error{
		"10.0.0.0": ipallocator.ErrNotInRange, "10.0.0.7": ipallocator.ErrNotInRange,
		"10.0.0.8": ipallocator.ErrNotInRange, "10.0.0.1": nil,
	} {
		if err := r.Allocate(net.ParseIP(ip)); err != want {
			t.Errorf("Allocate(%s) = %v; want %v", ip, err, want)
		}
	}
	if err := r.Allocate(net.ParseIP("10.0.0.1")); err != ipallocator.ErrAllocated {
		t.Errorf("Allocate(10.0.0.1) again = %v; want %v", err, ipallocator.ErrAllocated)
	}
	seen := map[string]bool{"10.0.0.1": true}
	for range 5 {
		ip, err := r.AllocateNext()
		if err != nil || seen[ip.String()] || !r.Has(ip) {
			t.Fatalf("AllocateNext() = %v, %v; want a fresh IP, now taken", ip, err)
		}
		seen[ip.String()] = true
	}
	if _, err := r.AllocateNext(); err != ipallocator.ErrFull {
		t.Errorf("AllocateNext() on a full range = %v; want %v", err, ipallocator.ErrFull)
	}
	if first, _ := ipallocator.GetIndexedIP(cidr(t, "10.0.0.0/24"), 1); first.String() != "10.0.0.1" {
		t.Errorf("GetIndexedIP(10.0.0.0/24, 1) = %s; want 10.0.0.1, the kubernetes service's", first)
	}
}

func TestMemoryRefusesAWriteBasedOnAnOldRead(t *testing.T) {
	network := cidr(t, "10.0.0.0/24")
	var mem *allocator.Memory
	r := ipallocator.NewAllocatorCIDRRange(network, func(max int, rangeSpec string) allocator.Interface {
		mem = allocator.NewMemory(allocator.NewAllocationMap(max, rangeSpec), schema.GroupResource{Resource: "serviceipallocations"})
		return mem
	})
	old, _ := mem.Get()
	if err := r.Allocate(net.ParseIP("10.0.0.9")); err != nil {
		t.Fatal(err)
	}
	if err := mem.CreateOrUpdate(old); !apierrors.IsConflict(err) {
		t.Errorf("CreateOrUpdate(a snapshot from before an Allocate) = %v; want a conflict", err)
	}
	fresh, _ := mem.Get()
	if err := mem.CreateOrUpdate(fresh); err != nil {
		t.Errorf("CreateOrUpdate(a fresh snapshot) = %v", err)
	}
}

// TestRepair gives the repair a service whose IP is not marked taken, and
// an IP marked taken by no service: the first is taken at once, the
// second freed on the third repair that finds it.
func TestRepair(t *testing.T) {
	network := cidr(t, "10.0.0.0/24")
	mem := allocator.NewMemory(allocator.NewAllocationMap(254, network.String()), schema.GroupResource{Resource: "serviceipallocations"})
	r := ipallocator.NewAllocatorCIDRRange(network, func(int, string) allocator.Interface { return mem })
	if err := r.Allocate(net.ParseIP("10.0.0.99")); err != nil { // leaked: no service has it
		t.Fatal(err)
	}
	client := fake.NewClientset(&corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.0.0.1"},
	})
	repair := ipallocator.NewRepair(0, client.CoreV1(), network, mem)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if err := repair.RunOnce(ctx); err != nil {
			t.Fatalf("RunOnce #%d: %v", i, err)
		}
		if !r.Has(net.ParseIP("10.0.0.1")) {
			t.Errorf("after repair #%d the kubernetes service's IP is not taken", i)
		}
		if leaked := r.Has(net.ParseIP("10.0.0.99")); leaked != (i < 3) {
			t.Errorf("after repair #%d the leaked IP taken = %v; want %v", i, leaked, i < 3)
		}
	}
}
