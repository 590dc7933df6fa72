package storage

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// blockTimeout is how long a read asking for a resourceVersion the cache
// has not reached yet waits for it.
const blockTimeout = 3 * time.Second

// watchCacheEvent is one change the cache saw, with the labels and fields
// of the object before and after, so that every watcher's filter runs on
// them without decoding anything again.
type watchCacheEvent struct {
	Type            watch.EventType
	Object          runtime.Object
	ObjLabels       labels.Set
	ObjFields       fields.Set
	PrevObject      runtime.Object // nil if there was none
	PrevObjLabels   labels.Set
	PrevObjFields   fields.Set
	Key             string
	ResourceVersion uint64
}

// storeElement is an object of the cache's current state, by its key.
type storeElement struct {
	Key    string
	Object runtime.Object
}

// watchCacheElement is one slot of the ring of changes.
type watchCacheElement struct {
	resourceVersion uint64
	watchCacheEvent *watchCacheEvent
}

// watchCache is what the Cacher's reflector keeps of one resource: the
// current objects (store), and the last capacity changes in a ring, for
// watches that start from a resourceVersion. The reflector feeds it with
// Replace (after a list) and Add, Update and Delete (for each watch
// event); each change is handed to onEvent too.
type watchCache struct {
	sync.RWMutex
	// cond is broadcast when resourceVersion moves on; it waits on the
	// read lock.
	cond *sync.Cond

	capacity     int
	keyFunc      func(runtime.Object) (string, error)
	getAttrsFunc AttrFunc

	// cache is the ring: the changes are cache[startIndex%capacity] to
	// cache[(endIndex-1)%capacity]; both indexes only grow.
	cache      []watchCacheElement
	startIndex int
	endIndex   int

	store map[string]*storeElement
	// resourceVersion is the revision up to which the cache has seen
	// every change.
	resourceVersion uint64

	onReplace func()
	onEvent   func(*watchCacheEvent)
}

func newWatchCache(capacity int, keyFunc func(runtime.Object) (string, error), getAttrsFunc AttrFunc) *watchCache {
	wc := &watchCache{
		capacity:     capacity,
		keyFunc:      keyFunc,
		getAttrsFunc: getAttrsFunc,
		cache:        make([]watchCacheElement, capacity),
		store:        map[string]*storeElement{},
	}
	wc.cond = sync.NewCond(wc.RLocker())
	return wc
}

// Add records obj as created.
func (w *watchCache) Add(obj runtime.Object) error { return w.processEvent(watch.Added, obj) }

// Update records obj as modified.
func (w *watchCache) Update(obj runtime.Object) error { return w.processEvent(watch.Modified, obj) }

// Delete records obj as deleted.
func (w *watchCache) Delete(obj runtime.Object) error { return w.processEvent(watch.Deleted, obj) }

// processEvent records one change: the event, with the object as it was
// before, goes to onEvent and into the ring, and the store and the
// resourceVersion move on.
func (w *watchCache) processEvent(eventType watch.EventType, obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	resourceVersion, err := parseResourceVersion(m.GetResourceVersion())
	if err != nil {
		return err
	}
	key, err := w.keyFunc(obj)
	if err != nil {
		return fmt.Errorf("couldn't compute key: %v", err)
	}
	w.Lock()
	defer w.Unlock()
	event := &watchCacheEvent{Type: eventType, Object: obj, Key: key, ResourceVersion: resourceVersion}
	if event.ObjLabels, event.ObjFields, err = w.getAttrsFunc(obj); err != nil {
		return err
	}
	if previous, exists := w.store[key]; exists {
		event.PrevObject = previous.Object
		if event.PrevObjLabels, event.PrevObjFields, err = w.getAttrsFunc(previous.Object); err != nil {
			return err
		}
	}
	if w.onEvent != nil {
		w.onEvent(event)
	}
	w.updateCache(resourceVersion, event)
	w.resourceVersion = resourceVersion
	w.cond.Broadcast()
	if eventType == watch.Deleted {
		delete(w.store, key)
	} else {
		w.store[key] = &storeElement{Key: key, Object: obj}
	}
	return nil
}

// updateCache appends event to the ring, dropping the oldest when it is
// full. The caller holds the lock.
func (w *watchCache) updateCache(resourceVersion uint64, event *watchCacheEvent) {
	if w.endIndex == w.startIndex+w.capacity {
		w.startIndex++
	}
	w.cache[w.endIndex%w.capacity] = watchCacheElement{resourceVersion, event}
	w.endIndex++
}

// Replace makes objs, listed at resourceVersion, the cache's state, and
// empties the ring: the changes before the list are unknown.
func (w *watchCache) Replace(objs []runtime.Object, resourceVersion string) error {
	version, err := parseResourceVersion(resourceVersion)
	if err != nil {
		return err
	}
	store := make(map[string]*storeElement, len(objs))
	for _, obj := range objs {
		key, err := w.keyFunc(obj)
		if err != nil {
			return fmt.Errorf("couldn't compute key: %v", err)
		}
		store[key] = &storeElement{Key: key, Object: obj}
	}
	w.Lock()
	defer w.Unlock()
	w.startIndex, w.endIndex = 0, 0
	w.store = store
	w.resourceVersion = version
	if w.onReplace != nil {
		w.onReplace()
	}
	w.cond.Broadcast()
	return nil
}

// SetOnReplace sets what Replace calls once the state is replaced.
func (w *watchCache) SetOnReplace(onReplace func()) {
	w.Lock()
	defer w.Unlock()
	w.onReplace = onReplace
}

// SetOnEvent sets what every change is handed to.
func (w *watchCache) SetOnEvent(onEvent func(*watchCacheEvent)) {
	w.Lock()
	defer w.Unlock()
	w.onEvent = onEvent
}

// waitUntilFreshAndBlock returns with the read lock held once the cache
// has reached resourceVersion, or a 504 Timeout error after blockTimeout.
// The caller releases the lock.
func (w *watchCache) waitUntilFreshAndBlock(resourceVersion uint64) error {
	start := time.Now()
	// Wakes the wait below when the time is up. (Upstream starts a
	// goroutine that sleeps; a timer we stop needs none.) It takes the
	// write lock, so that the broadcast cannot fall between the waiter's
	// check and its Wait.
	timer := time.AfterFunc(blockTimeout, func() {
		w.Lock()
		w.Unlock() //lint:ignore SA2001 taking the lock is the point: the waiter is in Wait
		w.cond.Broadcast()
	})
	defer timer.Stop()
	w.RLock()
	for w.resourceVersion < resourceVersion {
		if time.Since(start) >= blockTimeout {
			return errors.NewTimeoutError(fmt.Sprintf("Too large resource version: %v, current: %v", resourceVersion, w.resourceVersion), 1)
		}
		w.cond.Wait()
	}
	return nil
}

// WaitUntilFreshAndList returns the cache's objects, in key order, and
// its resourceVersion, once it has reached resourceVersion.
func (w *watchCache) WaitUntilFreshAndList(resourceVersion uint64) ([]*storeElement, uint64, error) {
	err := w.waitUntilFreshAndBlock(resourceVersion)
	defer w.RUnlock()
	if err != nil {
		return nil, 0, err
	}
	return w.listLocked(), w.resourceVersion, nil
}

// WaitUntilFreshAndGet returns the object at key, if there is one, and
// the cache's resourceVersion, once it has reached resourceVersion.
func (w *watchCache) WaitUntilFreshAndGet(resourceVersion uint64, key string) (*storeElement, bool, uint64, error) {
	err := w.waitUntilFreshAndBlock(resourceVersion)
	defer w.RUnlock()
	if err != nil {
		return nil, false, 0, err
	}
	elem, exists := w.store[key]
	return elem, exists, w.resourceVersion, nil
}

// GetByKey returns the object at key, if the cache has one.
func (w *watchCache) GetByKey(key string) (*storeElement, bool) {
	w.RLock()
	defer w.RUnlock()
	elem, ok := w.store[key]
	return elem, ok
}

func (w *watchCache) listLocked() []*storeElement {
	elems := make([]*storeElement, 0, len(w.store))
	for _, elem := range w.store {
		elems = append(elems, elem)
	}
	slices.SortFunc(elems, func(a, b *storeElement) int { return cmp.Compare(a.Key, b.Key) })
	return elems
}

// GetAllEventsSinceThreadUnsafe returns what a watch from resourceVersion
// must send first: from 0, every object as ADDED at the cache's
// resourceVersion; otherwise the changes after resourceVersion, or a 410
// Gone error if the ring no longer holds them all. The caller holds the
// read lock.
func (w *watchCache) GetAllEventsSinceThreadUnsafe(resourceVersion uint64) ([]*watchCacheEvent, error) {
	size := w.endIndex - w.startIndex
	// With an empty ring, the next change is the oldest the cache could
	// send: a watch from the cache's own resourceVersion is fine.
	oldest := w.resourceVersion + 1
	if size > 0 {
		oldest = w.cache[w.startIndex%w.capacity].resourceVersion
	}
	if resourceVersion == 0 {
		elems := w.listLocked()
		result := make([]*watchCacheEvent, len(elems))
		for i, elem := range elems {
			objLabels, objFields, err := w.getAttrsFunc(elem.Object)
			if err != nil {
				return nil, err
			}
			result[i] = &watchCacheEvent{Type: watch.Added, Object: elem.Object, ObjLabels: objLabels,
				ObjFields: objFields, Key: elem.Key, ResourceVersion: w.resourceVersion}
		}
		return result, nil
	}
	if resourceVersion < oldest-1 {
		return nil, tooOld(fmt.Sprintf("too old resource version: %d (%d)", resourceVersion, oldest-1))
	}
	first := sort.Search(size, func(i int) bool {
		return w.cache[(w.startIndex+i)%w.capacity].resourceVersion > resourceVersion
	})
	result := make([]*watchCacheEvent, size-first)
	for i := range result {
		result[i] = w.cache[(w.startIndex+first+i)%w.capacity].watchCacheEvent
	}
	return result, nil
}

// tooOld is v1.7's errors.NewGone(message): a 410 whose reason is Gone
// (apimachinery has since deprecated NewGone for Expired).
func tooOld(message string) *errors.StatusError {
	return &errors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusGone, Reason: metav1.StatusReasonGone, Message: message,
	}}
}

func parseResourceVersion(resourceVersion string) (uint64, error) {
	if resourceVersion == "" {
		return 0, nil
	}
	return strconv.ParseUint(resourceVersion, 10, 64)
}
