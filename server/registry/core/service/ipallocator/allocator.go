// Package ipallocator hands out the IPs of the service cluster IP range:
// every address but the network's and the broadcast address.
//
// # Upstream
//
// pkg/registry/core/service/ipallocator/allocator.go and
// ipallocator/controller/repair.go at kubernetes v1.7.3.
//
// # Differences from upstream
//
//   - Snapshots are allocator.RangeAllocation values, kept in memory (see
//     package allocator), not api.RangeAllocation objects in etcd; Repair
//     reads them once, where upstream polls for ten seconds in case etcd
//     is still starting.
//   - Repair takes a context, for the trace, and reports what it finds
//     through the trace's log where upstream calls runtime.HandleError.
package ipallocator

import (
	"errors"
	"fmt"
	"math/big"
	"net"

	"github.com/kubewalk/kubewalk/server/registry/core/service/allocator"
)

// Interface hands out IPs.
type Interface interface {
	Allocate(net.IP) error
	AllocateNext() (net.IP, error)
	Release(net.IP) error
	ForEach(func(net.IP))
}

// The errors of Allocate and AllocateNext, with upstream's words: the
// service REST returns them to clients.
var (
	ErrFull              = errors.New("range is full")
	ErrNotInRange        = errors.New("provided IP is not in the valid range")
	ErrAllocated         = errors.New("provided IP is already allocated")
	ErrMismatchedNetwork = errors.New("the provided network does not match the current range")
)

// Range hands out the IPs of a CIDR. Offset 0 is the first address after
// the network address, so the kubernetes service's IP, the first one
// (see GetIndexedIP), is offset 0.
type Range struct {
	net  *net.IPNet
	base *big.Int // the network address + 1
	max  int      // the range's size less the network and broadcast addresses

	alloc allocator.Interface
}

var _ Interface = &Range{}

// NewAllocatorCIDRRange returns the Range of cidr, its bitmap made by
// allocatorFactory.
func NewAllocatorCIDRRange(cidr *net.IPNet, allocatorFactory allocator.AllocatorFactory) *Range {
	base := bigForIP(cidr.IP)
	r := &Range{
		net:  cidr,
		base: base.Add(base, big.NewInt(1)),  // not the network address
		max:  max(0, int(RangeSize(cidr)-2)), // nor the broadcast address
	}
	r.alloc = allocatorFactory(r.max, cidr.String())
	return r
}

// NewCIDRRange returns the Range of cidr on a plain bitmap.
func NewCIDRRange(cidr *net.IPNet) *Range {
	return NewAllocatorCIDRRange(cidr, func(max int, rangeSpec string) allocator.Interface {
		return allocator.NewAllocationMap(max, rangeSpec)
	})
}

// NewFromSnapshot returns a Range on a plain bitmap, restored from snap.
func NewFromSnapshot(snap *allocator.RangeAllocation) (*Range, error) {
	_, ipnet, err := net.ParseCIDR(snap.Range)
	if err != nil {
		return nil, err
	}
	r := NewCIDRRange(ipnet)
	if err := r.Restore(ipnet, snap.Data); err != nil {
		return nil, err
	}
	return r, nil
}

// Free returns how many IPs are free.
func (r *Range) Free() int { return r.alloc.Free() }

// Used returns how many IPs are taken.
func (r *Range) Used() int { return r.max - r.alloc.Free() }

// CIDR returns the range's network.
func (r *Range) CIDR() net.IPNet { return *r.net }

// Allocate takes ip: ErrNotInRange if the range does not hand it out,
// ErrAllocated if it is taken.
func (r *Range) Allocate(ip net.IP) error {
	ok, offset := r.contains(ip)
	if !ok {
		return ErrNotInRange
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

// AllocateNext takes a free IP, picked at random; ErrFull when none is.
func (r *Range) AllocateNext() (net.IP, error) {
	offset, ok, err := r.alloc.AllocateNext()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrFull
	}
	return addIPOffset(r.base, offset), nil
}

// Release frees ip; an IP outside the range, or free, is left alone.
func (r *Range) Release(ip net.IP) error {
	ok, offset := r.contains(ip)
	if !ok {
		return nil
	}
	return r.alloc.Release(offset)
}

// ForEach calls fn with every taken IP.
func (r *Range) ForEach(fn func(net.IP)) {
	r.alloc.ForEach(func(offset int) {
		ip, _ := GetIndexedIP(r.net, offset+1) // +1: offset 0 is the address after the network's
		fn(ip)
	})
}

// Has reports whether ip is taken.
func (r *Range) Has(ip net.IP) bool {
	ok, offset := r.contains(ip)
	return ok && r.alloc.Has(offset)
}

// Snapshot saves the taken IPs into dst.
func (r *Range) Snapshot(dst *allocator.RangeAllocation) error {
	snapshottable, ok := r.alloc.(allocator.Snapshottable)
	if !ok {
		return fmt.Errorf("not a snapshottable allocator")
	}
	dst.Range, dst.Data = snapshottable.Snapshot()
	return nil
}

// Restore replaces the taken IPs with those of data, saved from a Range
// of the same network.
func (r *Range) Restore(network *net.IPNet, data []byte) error {
	if !network.IP.Equal(r.net.IP) || network.Mask.String() != r.net.Mask.String() {
		return ErrMismatchedNetwork
	}
	snapshottable, ok := r.alloc.(allocator.Snapshottable)
	if !ok {
		return fmt.Errorf("not a snapshottable allocator")
	}
	return snapshottable.Restore(network.String(), data)
}

// contains reports whether the range hands out ip, and its offset.
func (r *Range) contains(ip net.IP) (bool, int) {
	if !r.net.Contains(ip) {
		return false, 0
	}
	offset := calculateIPOffset(r.base, ip)
	if offset < 0 || offset >= r.max {
		return false, 0
	}
	return true, offset
}

func bigForIP(ip net.IP) *big.Int {
	b := ip.To4()
	if b == nil {
		b = ip.To16()
	}
	return new(big.Int).SetBytes(b)
}

func addIPOffset(base *big.Int, offset int) net.IP {
	return net.IP(new(big.Int).Add(base, big.NewInt(int64(offset))).Bytes())
}

func calculateIPOffset(base *big.Int, ip net.IP) int {
	return int(new(big.Int).Sub(bigForIP(ip), base).Int64())
}

// RangeSize returns how many addresses subnet has. It panics for more than
// 30 host bits, as upstream's; the options allow at most 20.
func RangeSize(subnet *net.IPNet) int64 {
	ones, bits := subnet.Mask.Size()
	if bits-ones >= 31 {
		panic("masks greater than 31 bits are not supported")
	}
	return int64(1) << uint(bits-ones)
}

// GetIndexedIP returns the index-th address of subnet (0 is the network
// address), or an error when subnet is too small.
func GetIndexedIP(subnet *net.IPNet, index int) (net.IP, error) {
	ip := addIPOffset(bigForIP(subnet.IP), index)
	if !subnet.Contains(ip) {
		return nil, fmt.Errorf("can't generate IP with index %d from subnet. subnet too small. subnet: %q", index, subnet)
	}
	return ip, nil
}
