package allocator

import (
	"errors"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"sync"
)

// Interface hands out the items of a range, by their offset in it. It
// is safe for concurrent use.
type Interface interface {
	// Allocate takes offset; false means it was taken already.
	Allocate(offset int) (bool, error)
	// AllocateNext takes a free offset; false means the range is full.
	AllocateNext() (int, bool, error)
	// Release frees offset; freeing a free one does nothing.
	Release(offset int) error
	// ForEach calls fn with every taken offset, in increasing order.
	ForEach(fn func(offset int))
	// Has reports whether offset is taken.
	Has(offset int) bool
	// Free returns how many offsets are free.
	Free() int
}

// Snapshottable is an Interface that can be saved and restored.
type Snapshottable interface {
	Interface
	// Snapshot returns the range it was made for and the taken offsets
	// as a big-endian bitmap.
	Snapshot() (rangeSpec string, data []byte)
	// Restore replaces the taken offsets with those of data; it fails
	// when rangeSpec is not the range the allocator was made for.
	Restore(rangeSpec string, data []byte) error
}

// AllocatorFactory makes the allocator of a range of max items, named
// rangeSpec (a CIDR, or a port range such as 30000-32767).
type AllocatorFactory func(max int, rangeSpec string) Interface

// AllocationBitmap is a Snapshottable whose taken offsets are the bits of
// a big integer.
type AllocationBitmap struct {
	max       int
	rangeSpec string

	lock      sync.Mutex
	count     int      // bits set in allocated
	allocated *big.Int // bit i set: offset i is taken
}

var _ Snapshottable = &AllocationBitmap{}

// NewAllocationMap returns an empty bitmap of max items for rangeSpec,
// whose AllocateNext picks a free offset at random (so that two servers
// that race rarely pick the same one).
func NewAllocationMap(max int, rangeSpec string) *AllocationBitmap {
	return &AllocationBitmap{max: max, rangeSpec: rangeSpec, allocated: big.NewInt(0)}
}

func (r *AllocationBitmap) Allocate(offset int) (bool, error) {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.allocated.Bit(offset) == 1 {
		return false, nil
	}
	r.allocated.SetBit(r.allocated, offset, 1)
	r.count++
	return true, nil
}

// AllocateNext scans from a random offset for a free one, wrapping
// around, as upstream's random scan strategy does.
func (r *AllocationBitmap) AllocateNext() (int, bool, error) {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.count >= r.max {
		return 0, false, nil
	}
	start := rand.IntN(r.max)
	for i := range r.max {
		at := (start + i) % r.max
		if r.allocated.Bit(at) == 0 {
			r.allocated.SetBit(r.allocated, at, 1)
			r.count++
			return at, true, nil
		}
	}
	return 0, false, nil
}

func (r *AllocationBitmap) Release(offset int) error {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.allocated.Bit(offset) == 0 {
		return nil
	}
	r.allocated.SetBit(r.allocated, offset, 0)
	r.count--
	return nil
}

func (r *AllocationBitmap) ForEach(fn func(int)) {
	r.lock.Lock()
	defer r.lock.Unlock()
	for i := range r.allocated.BitLen() {
		if r.allocated.Bit(i) == 1 {
			fn(i)
		}
	}
}

func (r *AllocationBitmap) Has(offset int) bool {
	r.lock.Lock()
	defer r.lock.Unlock()
	return r.allocated.Bit(offset) == 1
}

func (r *AllocationBitmap) Free() int {
	r.lock.Lock()
	defer r.lock.Unlock()
	return r.max - r.count
}

func (r *AllocationBitmap) Snapshot() (string, []byte) {
	r.lock.Lock()
	defer r.lock.Unlock()
	return r.rangeSpec, r.allocated.Bytes()
}

func (r *AllocationBitmap) Restore(rangeSpec string, data []byte) error {
	r.lock.Lock()
	defer r.lock.Unlock()
	if r.rangeSpec != rangeSpec {
		return errors.New("the provided range does not match the current range")
	}
	r.allocated = new(big.Int).SetBytes(data)
	r.count = 0
	for _, w := range r.allocated.Bits() {
		r.count += bits.OnesCount(uint(w))
	}
	return nil
}
