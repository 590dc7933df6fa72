package allocator_test

import (
	"testing"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestBitmapHandsOutEveryOffsetOnce(t *testing.T) {
	m := allocator.NewAllocationMap(3, "r")
	seen := map[int]bool{}
	for range 3 {
		offset, ok, err := m.AllocateNext()
		if !ok || err != nil || seen[offset] || offset < 0 || offset >= 3 {
			t.Fatalf("AllocateNext = %d, %v, %v; want a new offset in [0,3)", offset, ok, err)
		}
		seen[offset] = true
	}
	if _, ok, _ := m.AllocateNext(); ok || m.Free() != 0 {
		t.Errorf("a full bitmap handed out another offset (free %d)", m.Free())
	}
	if ok, _ := m.Allocate(1); ok {
		t.Error("Allocate(1) on a taken offset = true")
	}
	if err := m.Release(1); err != nil || m.Has(1) || m.Free() != 1 {
		t.Errorf("Release(1) = %v: has %v, free %d; want it free", err, m.Has(1), m.Free())
	}
	if ok, _ := m.Allocate(1); !ok {
		t.Error("Allocate(1) after its release = false")
	}
}

// TestMemoryRefusesAWriteBasedOnAnOldRead: a repair reads the allocations,
// the service REST allocates meanwhile, and the repair's write is a 409
// Conflict, as upstream's etcd-backed registry answers.
func TestMemoryRefusesAWriteBasedOnAnOldRead(t *testing.T) {
	m := allocator.NewMemory(allocator.NewAllocationMap(8, "10.0.0.0/29"), schema.GroupResource{Resource: "serviceipallocations"})
	read, err := m.Get()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Allocate(2); !ok || err != nil {
		t.Fatalf("Allocate(2) = %v, %v", ok, err)
	}
	if err := m.CreateOrUpdate(read); !apierrors.IsConflict(err) {
		t.Errorf("CreateOrUpdate with the old read = %v; want a conflict", err)
	}
	again, _ := m.Get()
	if again.ResourceVersion == read.ResourceVersion {
		t.Error("an allocation did not change the resource version")
	}
	// A read taken after the change may be written: a repair that frees 2.
	fresh := allocator.NewAllocationMap(8, "10.0.0.0/29")
	again.Range, again.Data = fresh.Snapshot()
	if err := m.CreateOrUpdate(again); err != nil || m.Has(2) {
		t.Errorf("CreateOrUpdate with a fresh read = %v, 2 still taken %v; want it written", err, m.Has(2))
	}
}
