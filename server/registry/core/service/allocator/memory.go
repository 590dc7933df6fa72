package allocator

import (
	"errors"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RangeAllocation is a saved allocator: the range, the bitmap of taken
// offsets, and the resource version it was read at (upstream's
// api.RangeAllocation, which kube-apiserver stores in etcd).
type RangeAllocation struct {
	Range           string
	Data            []byte
	ResourceVersion string
}

// RangeRegistry is where a range's allocations are kept, for the repair
// loops that rebuild them.
type RangeRegistry interface {
	// Get returns the allocations as they are now.
	Get() (*RangeAllocation, error)
	// CreateOrUpdate replaces them with alloc, unless they changed since
	// alloc was read: then it returns a 409 Conflict.
	CreateOrUpdate(alloc *RangeAllocation) error
}

// Memory is the allocator of a range and its RangeRegistry at once, as
// upstream's etcd allocator is, but kept in memory (see the package
// comment). Every change bumps its resource version.
type Memory struct {
	resource schema.GroupResource

	lock    sync.Mutex // held across each change and its version bump
	alloc   Snapshottable
	version int
}

var (
	_ Interface     = &Memory{}
	_ RangeRegistry = &Memory{}
)

// NewMemory returns the Memory of alloc; resource names it in conflicts
// (upstream's serviceipallocations and servicenodeportallocations).
func NewMemory(alloc Snapshottable, resource schema.GroupResource) *Memory {
	return &Memory{alloc: alloc, resource: resource}
}

func (m *Memory) change(f func() (bool, error)) (bool, error) {
	m.lock.Lock()
	defer m.lock.Unlock()
	changed, err := f()
	if changed {
		m.version++
	}
	return changed, err
}

func (m *Memory) Allocate(offset int) (bool, error) {
	return m.change(func() (bool, error) { return m.alloc.Allocate(offset) })
}

func (m *Memory) AllocateNext() (int, bool, error) {
	var offset int
	ok, err := m.change(func() (bool, error) {
		var ok bool
		var err error
		offset, ok, err = m.alloc.AllocateNext()
		return ok, err
	})
	return offset, ok, err
}

func (m *Memory) Release(offset int) error {
	_, err := m.change(func() (bool, error) {
		had := m.alloc.Has(offset)
		return had, m.alloc.Release(offset)
	})
	return err
}

func (m *Memory) ForEach(fn func(int)) { m.alloc.ForEach(fn) }
func (m *Memory) Has(offset int) bool  { return m.alloc.Has(offset) }
func (m *Memory) Free() int            { return m.alloc.Free() }

// Get returns a snapshot of the allocations and the version it was taken at.
func (m *Memory) Get() (*RangeAllocation, error) {
	m.lock.Lock()
	defer m.lock.Unlock()
	rangeSpec, data := m.alloc.Snapshot()
	return &RangeAllocation{Range: rangeSpec, Data: data, ResourceVersion: strconv.Itoa(m.version)}, nil
}

// CreateOrUpdate restores alloc, unless the allocations changed since it
// was read: then it returns a 409 Conflict, and the caller reads again.
func (m *Memory) CreateOrUpdate(alloc *RangeAllocation) error {
	m.lock.Lock()
	defer m.lock.Unlock()
	if alloc.ResourceVersion != strconv.Itoa(m.version) {
		return apierrors.NewConflict(m.resource, "", errConflict)
	}
	if err := m.alloc.Restore(alloc.Range, alloc.Data); err != nil {
		return err
	}
	m.version++
	return nil
}

// errConflict is upstream's message for a write based on an old read.
var errConflict = errors.New("the object has been modified; please apply your changes to the latest version and try again")
