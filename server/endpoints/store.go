package endpoints

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// store keeps the objects of one API group version in memory, where
// upstream's registry keeps them in etcd. Like etcd it has one revision
// counter for all its keys: every write increments it and stamps the
// written object's metadata.resourceVersion with it, and a list reports it
// as the list's resourceVersion.
//
// Keys are "<resource>/<name>" for cluster-scoped objects and
// "<resource>/<namespace>/<name>" for namespaced ones (upstream:
// "/registry/<resource>/…"). The store owns the objects it holds: it keeps
// a copy of what it is given and hands out copies, so callers may change
// and encode what they get without holding a lock.
//
// A store is safe for concurrent use. It starts no goroutines.
type store struct {
	mu      sync.Mutex
	rev     uint64
	objects map[string]runtime.Object
}

func newStore() *store {
	return &store{objects: map[string]runtime.Object{}}
}

// storeKey returns the key of an object; namespace is empty for
// cluster-scoped resources. A name never contains "/" (names are
// validated as path segments), so keys cannot collide.
func storeKey(resource, namespace, name string) string {
	if namespace == "" {
		return resource + "/" + name
	}
	return resource + "/" + namespace + "/" + name
}

// list returns copies of the objects whose keys start with prefix, sorted
// by key (so by namespace, then name), and the store's current revision.
func (s *store) list(prefix string) ([]runtime.Object, string) {
	s.mu.Lock()
	defer s.mu.Unlock()

	var keys []string
	for key := range s.objects {
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	items := make([]runtime.Object, 0, len(keys))
	for _, key := range keys {
		items = append(items, s.objects[key].DeepCopyObject())
	}
	return items, strconv.FormatUint(s.rev, 10)
}

// get returns a copy of the object at key, and false if there is none.
func (s *store) get(key string) (runtime.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	obj, ok := s.objects[key]
	if !ok {
		return nil, false
	}
	return obj.DeepCopyObject(), true
}

// create stores a copy of obj at key with the next revision and returns
// another copy. It returns false, and stores nothing, if key is taken.
func (s *store) create(key string, obj runtime.Object) (runtime.Object, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if _, ok := s.objects[key]; ok {
		return nil, false, nil
	}
	out, err := s.write(key, obj)
	return out, true, err
}

// update calls tryUpdate with a copy of the object at key and stores what
// it returns with the next revision, as one atomic step: no other write
// can come between the read and the write (upstream's GuaranteedUpdate
// retries on conflict instead). It returns false if there is no object at
// key, and tryUpdate's error, storing nothing, if it fails.
func (s *store) update(key string, tryUpdate func(old runtime.Object) (runtime.Object, error)) (runtime.Object, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	old, ok := s.objects[key]
	if !ok {
		return nil, false, nil
	}
	obj, err := tryUpdate(old.DeepCopyObject())
	if err != nil {
		return nil, true, err
	}
	out, err := s.write(key, obj)
	return out, true, err
}

// delete removes the object at key and returns it, or false if there is
// none. Deleting counts as a write: it moves the revision on.
func (s *store) delete(key string) (runtime.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()

	obj, ok := s.objects[key]
	if !ok {
		return nil, false
	}
	delete(s.objects, key)
	s.rev++
	return obj, true
}

// write stores a copy of obj at key, stamped with the next revision, and
// returns another copy. The caller holds s.mu.
func (s *store) write(key string, obj runtime.Object) (runtime.Object, error) {
	stored := obj.DeepCopyObject()
	m, err := meta.Accessor(stored)
	if err != nil {
		return nil, err
	}
	s.rev++
	m.SetResourceVersion(strconv.FormatUint(s.rev, 10))
	s.objects[key] = stored
	return stored.DeepCopyObject(), nil
}
