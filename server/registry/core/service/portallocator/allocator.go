// Package portallocator hands out the node ports of the service node port
// range (--service-node-port-range, 30000-32767 by default).
//
// # Upstream
//
// pkg/registry/core/service/portallocator/allocator.go and
// portallocator/controller/repair.go at kubernetes v1.7.3.
//
// # Differences from upstream
//
//   - Snapshots are allocator.RangeAllocation values, kept in memory (see
//     package allocator), not api.RangeAllocation objects in etcd; Repair
//     reads them once, where upstream polls for ten seconds in case etcd
//     is still starting.
//   - Repair takes a context, for the trace, and reports what it finds
//     through the trace's log where upstream calls runtime.HandleError.
package portallocator

import (
	"errors"
	"fmt"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Interface hands out ports.
type Interface interface {
	Allocate(int) error
	AllocateNext() (int, error)
	Release(int) error
	ForEach(func(int))
}

// The errors of Allocate and AllocateNext, with upstream's words.
var (
	ErrFull              = errors.New("range is full")
	ErrAllocated         = errors.New("provided port is already allocated")
	ErrMismatchedNetwork = errors.New("the provided port range does not match the current port range")
)

// ErrNotInRange is the error for a port outside the range.
type ErrNotInRange struct {
	ValidPorts string
}

func (e *ErrNotInRange) Error() string {
	return fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", e.ValidPorts)
}

// PortAllocator hands out the ports of a range; offset 0 is its base.
type PortAllocator struct {
	portRange utilnet.PortRange
	alloc     allocator.Interface
}

var _ Interface = &PortAllocator{}

// NewPortAllocatorCustom returns the allocator of pr, its bitmap made by
// allocatorFactory.
func NewPortAllocatorCustom(pr utilnet.PortRange, allocatorFactory allocator.AllocatorFactory) *PortAllocator {
	return &PortAllocator{portRange: pr, alloc: allocatorFactory(pr.Size, pr.String())}
}

// NewPortAllocator returns the allocator of pr on a plain bitmap.
func NewPortAllocator(pr utilnet.PortRange) *PortAllocator {
	return NewPortAllocatorCustom(pr, func(max int, rangeSpec string) allocator.Interface {
		return allocator.NewAllocationMap(max, rangeSpec)
	})
}

// NewFromSnapshot returns an allocator on a plain bitmap, restored from snap.
func NewFromSnapshot(snap *allocator.RangeAllocation) (*PortAllocator, error) {
	pr, err := utilnet.ParsePortRange(snap.Range)
	if err != nil {
		return nil, err
	}
	r := NewPortAllocator(*pr)
	if err := r.Restore(*pr, snap.Data); err != nil {
		return nil, err
	}
	return r, nil
}

// Free returns how many ports are free.
func (r *PortAllocator) Free() int { return r.alloc.Free() }

// Used returns how many ports are taken.
func (r *PortAllocator) Used() int { return r.portRange.Size - r.alloc.Free() }

// Allocate takes port: *ErrNotInRange outside the range, ErrAllocated if
// it is taken.
func (r *PortAllocator) Allocate(port int) error {
	ok, offset := r.contains(port)
	if !ok {
		return &ErrNotInRange{r.portRange.String()}
	}
	allocated, err := r.alloc.Allocate(offset)
	if err != nil {
		return err
	}
	if !allocated {
		return ErrAllocated
	}
	return nil
}

// AllocateNext takes a free port, picked at random; ErrFull when none is.
func (r *PortAllocator) AllocateNext() (int, error) {
	offset, ok, err := r.alloc.AllocateNext()
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrFull
	}
	return r.portRange.Base + offset, nil
}

// ForEach calls fn with every taken port.
func (r *PortAllocator) ForEach(fn func(int)) {
	r.alloc.ForEach(func(offset int) { fn(r.portRange.Base + offset) })
}

// Release frees port; a port outside the range, or free, is left alone.
func (r *PortAllocator) Release(port int) error {
	ok, offset := r.contains(port)
	if !ok {
		return nil
	}
	return r.alloc.Release(offset)
}

// Has reports whether port is taken.
func (r *PortAllocator) Has(port int) bool {
	ok, offset := r.contains(port)
	return ok && r.alloc.Has(offset)
}

// Snapshot saves the taken ports into dst.
func (r *PortAllocator) Snapshot(dst *allocator.RangeAllocation) error {
	snapshottable, ok := r.alloc.(allocator.Snapshottable)
	if !ok {
		return fmt.Errorf("not a snapshottable allocator")
	}
	dst.Range, dst.Data = snapshottable.Snapshot()
	return nil
}

// Restore replaces the taken ports with those of data, saved from an
// allocator of the same range.
func (r *PortAllocator) Restore(pr utilnet.PortRange, data []byte) error {
	if pr.String() != r.portRange.String() {
		return ErrMismatchedNetwork
	}
	snapshottable, ok := r.alloc.(allocator.Snapshottable)
	if !ok {
		return fmt.Errorf("not a snapshottable allocator")
	}
	return snapshottable.Restore(pr.String(), data)
}

func (r *PortAllocator) contains(port int) (bool, int) {
	if !r.portRange.Contains(port) {
		return false, 0
	}
	return true, port - r.portRange.Base
}
