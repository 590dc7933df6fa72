package storage

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

var upstreamNewCacherFromConfig = trace.UpstreamFile{
	Path: "staging/src/k8s.io/apiserver/pkg/storage/cacher.go", Ref: "v1.7.6", Chapter: "storage",
}.Func("storage.NewCacherFromConfig")

// neverStoppedCacher is what the trace says of a Cacher's goroutines.
var neverStoppedCacher = lang.N("v1.7 stops a Cacher only from its storage's DestroyFunc, which only tests call: " +
	"its reflector lists and watches the storage until the process exits")

// CacherConfig is what a Cacher is made of.
type CacherConfig struct {
	// CacheCapacity is how many changes the watch cache keeps for watches
	// that start from a resourceVersion.
	CacheCapacity int
	// Storage is the storage the Cacher caches, and writes go to.
	Storage Interface
	// Versioner writes resourceVersions into the lists it answers.
	Versioner Versioner
	// Type is an empty object of the resource, as the reflector expects.
	Type runtime.Object
	// ResourcePrefix is the key below which the resource's objects live
	// in Storage ("/namespaces").
	ResourcePrefix string
	// KeyFunc is the key of an object, as the registry computes it.
	KeyFunc func(runtime.Object) (string, error)
	// GetAttrsFunc returns an object's labels and selectable fields.
	GetAttrsFunc AttrFunc
	// NewListFunc returns an empty list of the resource.
	NewListFunc func() runtime.Object
	// Release, if not nil, releases Storage (its DestroyFunc). It is
	// called only when a test stops the Cacher through the trace kit
	// (trace.Kit.StopNeverStopped), after Stop, so that nothing the
	// Cacher's storage holds outlives the test. Ours.
	Release func()
}

// Cacher is the watch cache of one resource, upstream's: a storage that
// writes through to the storage it wraps, and serves watches (and lists
// and gets that name a resourceVersion) from a cache that its reflector
// keeps up to date by listing and watching that storage once, for all.
//
// Its goroutines, each started with trace.Go and never stopped in v1.7:
// "Cacher.startCaching <prefix>", which runs the reflector again a second
// after it returned; "Cacher.dispatchEvents <prefix>", which hands every
// change to the watchers; and, under the reflector, the storage's watch.
// Each client watch runs "cacheWatcher.process <prefix>" until it is
// stopped.
type Cacher struct {
	// ctx carries the trace kit to the Cacher's goroutines, and is done
	// when the Cacher is stopped.
	ctx    context.Context
	cancel context.CancelFunc

	incomingHWM atomic.Int64
	// incoming carries every change of the watch cache to dispatchEvents.
	incoming chan watchCacheEvent

	sync.RWMutex // guards watchers and watcherIdx

	ready *ready

	storage    Interface
	objectType reflect.Type
	watchCache *watchCache
	reflector  *reflector
	versioner  Versioner

	watcherIdx int
	watchers   map[int]*cacheWatcher

	dispatchTimeoutBudget *timeBudget

	stopLock sync.RWMutex
	stopped  bool
	stopCh   chan struct{}
	// ended are closed when the two goroutines have returned.
	cachingEnded, dispatchEnded <-chan struct{}
}

// NewCacherFromConfig returns the Cacher of config and starts its
// goroutines, with ctx's trace kit. The cache is not ready, and its
// watches and reads wait, until the reflector's first list.
func NewCacherFromConfig(ctx context.Context, config CacherConfig) *Cacher {
	ctx, end := trace.Step(ctx, upstreamNewCacherFromConfig)
	defer end(nil)
	watchCache := newWatchCache(config.CacheCapacity, config.KeyFunc, config.GetAttrsFunc)
	c := &Cacher{
		ready:      newReady(),
		storage:    config.Storage,
		objectType: reflect.TypeOf(config.Type),
		watchCache: watchCache,
		reflector: &reflector{
			name:          reflectorName,
			expectedType:  reflect.TypeOf(config.Type),
			listerWatcher: listerWatcher{config.Storage, config.ResourcePrefix, config.NewListFunc},
			store:         watchCache,
		},
		versioner:             config.Versioner,
		watchers:              map[int]*cacheWatcher{},
		incoming:              make(chan watchCacheEvent, 100),
		dispatchTimeoutBudget: newTimeBudget(),
	}
	// The goroutines outlive the step that starts them; only Stop ends
	// them.
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	c.stopCh = trace.Make(ctx, make(chan struct{}), "stopCh", "Cacher.Stop")
	trace.NeverClosed(ctx, c.stopCh, neverStoppedCacher)
	watchCache.SetOnEvent(c.processEvent)

	// --8<-- [start:goroutines]
	prefix := config.ResourcePrefix
	c.dispatchEnded = trace.Go(c.ctx, "Cacher.dispatchEvents "+prefix, c.dispatchEvents,
		trace.NeverStopped(neverStoppedCacher, nil))
	c.cachingEnded = trace.Go(c.ctx, "Cacher.startCaching "+prefix, func(ctx context.Context) {
		// wait.Until(startCaching, time.Second, stopCh)
		for {
			if !c.isStopped() {
				c.startCaching(ctx, c.stopCh)
			}
			trace.Select(ctx, c.stopCh)
			select {
			case <-c.stopCh:
				trace.Selected(ctx, c.stopCh)
				return
			case <-time.After(time.Second):
			}
		}
	}, trace.NeverStopped(neverStoppedCacher, func() {
		c.Stop()
		if config.Release != nil {
			config.Release()
		}
	}))
	// --8<-- [end:goroutines]
	return c
}

// startCaching runs the reflector once: the cache is ready from its list
// on, and not ready again once it returns. The watchers of the previous
// run are ended first: their events may be lost.
func (c *Cacher) startCaching(ctx context.Context, stopCh <-chan struct{}) {
	successfulList := false
	c.watchCache.SetOnReplace(func() {
		successfulList = true
		c.ready.set(true)
	})
	defer func() {
		if successfulList {
			c.ready.set(false)
		}
	}()
	c.terminateAllWatchers(ctx)
	if err := c.reflector.ListAndWatch(ctx, stopCh); err != nil {
		trace.Log(ctx).Error().Msgf("unexpected ListAndWatch error: %v", err)
	}
}

// Versioner implements Interface.Versioner.
func (c *Cacher) Versioner() Versioner { return c.storage.Versioner() }

// Create implements Interface.Create: it writes to the storage.
func (c *Cacher) Create(ctx context.Context, key string, obj, out runtime.Object) error {
	return c.storage.Create(ctx, key, obj, out)
}

// Delete implements Interface.Delete: it writes to the storage.
func (c *Cacher) Delete(ctx context.Context, key string, out runtime.Object, preconditions *Preconditions) error {
	return c.storage.Delete(ctx, key, out, preconditions)
}

// Watch implements Interface.Watch: a watch served from the cache, once
// it is ready. From a resourceVersion older than the cache's window it
// sends one ERROR event, a 410 Gone "too old resource version".
func (c *Cacher) Watch(ctx context.Context, key string, resourceVersion string, pred SelectionPredicate) (watch.Interface, error) {
	watchRV, err := ParseWatchResourceVersion(resourceVersion)
	if err != nil {
		return nil, err
	}
	if err := c.ready.wait(ctx); err != nil {
		return nil, err
	}
	c.watchCache.RLock()
	defer c.watchCache.RUnlock()
	initEvents, err := c.watchCache.GetAllEventsSinceThreadUnsafe(watchRV)
	if err != nil {
		return newErrWatcher(err), nil
	}
	c.Lock()
	defer c.Unlock()
	forget := forgetWatcher(c, c.watcherIdx)
	w := newCacheWatcher(ctx, key, watchRV, 10, initEvents, watchFilterFunction(key, pred), forget)
	c.watchers[c.watcherIdx] = w
	c.watcherIdx++
	return w, nil
}

// WatchList implements Interface.WatchList: it is Watch.
func (c *Cacher) WatchList(ctx context.Context, key string, resourceVersion string, pred SelectionPredicate) (watch.Interface, error) {
	return c.Watch(ctx, key, resourceVersion, pred)
}

// Get implements Interface.Get: with no resourceVersion from the storage,
// with one from the cache, once it has reached it.
func (c *Cacher) Get(ctx context.Context, key string, resourceVersion string, objPtr runtime.Object, ignoreNotFound bool) error {
	if resourceVersion == "" {
		// Upstream: no resourceVersion is a read from etcd, as before
		// there was a cache.
		return c.storage.Get(ctx, key, resourceVersion, objPtr, ignoreNotFound)
	}
	getRV, err := ParseListResourceVersion(resourceVersion)
	if err != nil {
		return err
	}
	if err := c.ready.wait(ctx); err != nil {
		return err
	}
	objVal, err := conversion.EnforcePtr(objPtr)
	if err != nil {
		return err
	}
	elem, exists, readResourceVersion, err := c.watchCache.WaitUntilFreshAndGet(getRV, key)
	if err != nil {
		return err
	}
	if !exists {
		objVal.Set(reflect.Zero(objVal.Type()))
		if !ignoreNotFound {
			return NewKeyNotFoundError(key, int64(readResourceVersion))
		}
		return nil
	}
	objVal.Set(reflect.ValueOf(elem.Object.DeepCopyObject()).Elem())
	return nil
}

// GetToList implements Interface.GetToList, as Get reads.
func (c *Cacher) GetToList(ctx context.Context, key string, resourceVersion string, pred SelectionPredicate, listObj runtime.Object) error {
	if resourceVersion == "" {
		return c.storage.GetToList(ctx, key, resourceVersion, pred, listObj)
	}
	listRV, err := ParseListResourceVersion(resourceVersion)
	if err != nil {
		return err
	}
	if err := c.ready.wait(ctx); err != nil {
		return err
	}
	elem, exists, readResourceVersion, err := c.watchCache.WaitUntilFreshAndGet(listRV, key)
	if err != nil {
		return err
	}
	var elems []*storeElement
	if exists {
		elems = append(elems, elem)
	}
	return c.fillList(elems, filterFunction(key, pred), readResourceVersion, listObj)
}

// List implements Interface.List, as Get reads: informers list with
// resourceVersion "0", from the cache; kubectl with none, from the
// storage.
func (c *Cacher) List(ctx context.Context, key string, resourceVersion string, pred SelectionPredicate, listObj runtime.Object) error {
	if resourceVersion == "" {
		return c.storage.List(ctx, key, resourceVersion, pred, listObj)
	}
	listRV, err := ParseListResourceVersion(resourceVersion)
	if err != nil {
		return err
	}
	if err := c.ready.wait(ctx); err != nil {
		return err
	}
	elems, readResourceVersion, err := c.watchCache.WaitUntilFreshAndList(listRV)
	if err != nil {
		return err
	}
	return c.fillList(elems, filterFunction(key, pred), readResourceVersion, listObj)
}

// fillList puts copies of the elements filter selects into listObj, with
// the cache's resourceVersion.
func (c *Cacher) fillList(elems []*storeElement, filter func(string, runtime.Object) bool, rv uint64, listObj runtime.Object) error {
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	listVal, err := conversion.EnforcePtr(listPtr)
	if err != nil || listVal.Kind() != reflect.Slice {
		return fmt.Errorf("need a pointer to slice, got %v", listVal.Kind())
	}
	for _, elem := range elems {
		if filter(elem.Key, elem.Object) {
			listVal.Set(reflect.Append(listVal, reflect.ValueOf(elem.Object.DeepCopyObject()).Elem()))
		}
	}
	return c.versioner.UpdateList(listObj, rv)
}

// GuaranteedUpdate implements Interface.GuaranteedUpdate: it writes to the
// storage, suggesting the cache's copy of the object so that the storage
// may skip its first read.
func (c *Cacher) GuaranteedUpdate(ctx context.Context, key string, ptrToType runtime.Object, ignoreNotFound bool,
	preconditions *Preconditions, tryUpdate UpdateFunc, _ ...runtime.Object) error {
	if elem, exists := c.watchCache.GetByKey(key); exists {
		return c.storage.GuaranteedUpdate(ctx, key, ptrToType, ignoreNotFound, preconditions, tryUpdate, elem.Object.DeepCopyObject())
	}
	return c.storage.GuaranteedUpdate(ctx, key, ptrToType, ignoreNotFound, preconditions, tryUpdate)
}

// processEvent hands a change of the watch cache to dispatchEvents. It
// blocks while 100 changes wait already.
func (c *Cacher) processEvent(event *watchCacheEvent) {
	if curLen := int64(len(c.incoming)); curLen > c.incomingHWM.Load() {
		c.incomingHWM.Store(curLen)
		trace.Log(c.ctx).Info().Msgf("cacher (%v): %v objects queued in incoming channel.", c.objectType, curLen)
	}
	c.incoming <- *event
}

// dispatchEvents hands every change to every watcher, until the Cacher
// stops.
func (c *Cacher) dispatchEvents(ctx context.Context) {
	for {
		// A plain select: it runs for every change of the resource.
		select {
		case event := <-c.incoming:
			c.dispatchEvent(ctx, &event)
		case <-c.stopCh:
			return
		}
	}
}

func (c *Cacher) dispatchEvent(ctx context.Context, event *watchCacheEvent) {
	c.Lock()
	defer c.Unlock()
	for _, w := range c.watchers {
		w.add(ctx, event, c.dispatchTimeoutBudget)
	}
}

// terminateAllWatchers ends every watch: the cache is about to be listed
// again, and the changes in between are unknown.
func (c *Cacher) terminateAllWatchers(ctx context.Context) {
	c.Lock()
	defer c.Unlock()
	if len(c.watchers) > 0 {
		trace.Log(ctx).Warn().Msgf("Terminating all watchers from cacher %v", c.objectType)
	}
	for i, w := range c.watchers {
		delete(c.watchers, i)
		w.stop()
	}
}

func (c *Cacher) isStopped() bool {
	c.stopLock.RLock()
	defer c.stopLock.RUnlock()
	return c.stopped
}

// Stop stops the Cacher and waits for its goroutines. v1.7 calls it only
// from the storage's DestroyFunc, which only tests call. (Ours: it may be
// called more than once.)
func (c *Cacher) Stop() {
	c.stopLock.Lock()
	if c.stopped {
		c.stopLock.Unlock()
		return
	}
	c.stopped = true
	c.stopLock.Unlock()
	trace.Close(c.ctx, c.stopCh)
	c.cancel() // ends the reflector's calls to the storage
	<-c.cachingEnded
	<-c.dispatchEnded
}

// LastSyncResourceVersion is the resourceVersion the cache has reached,
// once it is ready.
func (c *Cacher) LastSyncResourceVersion(ctx context.Context) (uint64, error) {
	if err := c.ready.wait(ctx); err != nil {
		return 0, err
	}
	resourceVersion := c.reflector.LastSyncResourceVersion()
	if resourceVersion == "" {
		return 0, nil
	}
	return strconv.ParseUint(resourceVersion, 10, 64)
}

// forgetWatcher returns what removes watcher index from c: with lock when
// the watcher stops itself, without when dispatchEvent (which holds the
// lock) closes it for not keeping up.
func forgetWatcher(c *Cacher, index int) func(bool) {
	return func(lock bool) {
		if lock {
			c.Lock()
			defer c.Unlock()
		} else {
			trace.Log(c.ctx).Info().Msgf("Forcing watcher close due to unresponsiveness: %v", c.objectType)
		}
		delete(c.watchers, index)
	}
}

// filterFunction selects the objects below key that p selects.
func filterFunction(key string, p SelectionPredicate) func(string, runtime.Object) bool {
	return func(objKey string, obj runtime.Object) bool {
		if !hasPathPrefix(objKey, key) {
			return false
		}
		ok, err := p.Matches(obj)
		return err == nil && ok
	}
}

type watchFilterFunc func(key string, l labels.Set, f fields.Set) bool

// watchFilterFunction selects the changes below key whose object p
// selects, by the labels and fields the cache computed.
func watchFilterFunction(key string, p SelectionPredicate) watchFilterFunc {
	return func(objKey string, l labels.Set, f fields.Set) bool {
		return hasPathPrefix(objKey, key) && p.MatchesObjectAttributes(l, f)
	}
}

// hasPathPrefix reports whether s is pathPrefix or below it, path segment
// by path segment: "/a/b" is below "/a", "/ab" is not.
func hasPathPrefix(s, pathPrefix string) bool {
	if !strings.HasPrefix(s, pathPrefix) {
		return false
	}
	rest := s[len(pathPrefix):]
	return rest == "" || strings.HasSuffix(pathPrefix, "/") || rest[0] == '/'
}

// errWatcher is the watch of one ERROR event, already sent.
type errWatcher struct {
	result chan watch.Event
}

func newErrWatcher(err error) *errWatcher {
	errEvent := watch.Event{Type: watch.Error}
	switch err := err.(type) {
	case runtime.Object:
		errEvent.Object = err
	case *errors.StatusError:
		errEvent.Object = &err.ErrStatus
	default:
		errEvent.Object = &metav1.Status{
			Status:  metav1.StatusFailure,
			Message: err.Error(),
			Reason:  metav1.StatusReasonInternalError,
			Code:    http.StatusInternalServerError,
		}
	}
	w := &errWatcher{result: make(chan watch.Event, 1)}
	w.result <- errEvent
	close(w.result)
	return w
}

// ResultChan implements watch.Interface.
func (w *errWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop implements watch.Interface; there is nothing to stop.
func (w *errWatcher) Stop() {}

// cacheWatcher is one client's watch of the cache: its goroutine sends
// the events it was started with, then those dispatchEvents adds, that
// its filter selects.
type cacheWatcher struct {
	sync.Mutex
	input   chan *watchCacheEvent
	result  chan watch.Event
	done    chan struct{}
	filter  watchFilterFunc
	stopped bool
	forget  func(bool)
}

// newCacheWatcher starts the watcher's goroutine, from the context of the
// request that asked for it.
func newCacheWatcher(ctx context.Context, key string, resourceVersion uint64, chanSize int, initEvents []*watchCacheEvent,
	filter watchFilterFunc, forget func(bool)) *cacheWatcher {
	name := "cacheWatcher.process " + key
	w := &cacheWatcher{
		input:  make(chan *watchCacheEvent, chanSize),
		result: make(chan watch.Event, chanSize),
		done:   make(chan struct{}),
		filter: filter,
		forget: forget,
	}
	trace.Go(ctx, name, func(ctx context.Context) {
		// Made known here, in the goroutine that closes it: ctx may
		// carry a span that records nothing (the watch handler's).
		trace.Make(ctx, w.result, "result", name)
		w.process(ctx, initEvents, resourceVersion)
	})
	return w
}

// ResultChan implements watch.Interface.
func (w *cacheWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop implements watch.Interface: the watcher leaves the Cacher and its
// goroutine ends, closing the result channel.
func (w *cacheWatcher) Stop() {
	w.forget(true)
	w.stop()
}

func (w *cacheWatcher) stop() {
	w.Lock()
	defer w.Unlock()
	if !w.stopped {
		w.stopped = true
		close(w.done)
		close(w.input)
	}
}

// add hands event to the watcher; if its input is full, it waits for
// what is left of budget, and then closes the watcher: a watcher that
// does not keep up must not hold the others back.
func (w *cacheWatcher) add(ctx context.Context, event *watchCacheEvent, budget *timeBudget) {
	select { // a plain select: a non-blocking send, for every change
	case w.input <- event:
		return
	default:
	}
	startTime := time.Now()
	timeout := budget.takeAvailable()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case w.input <- event:
	case <-t.C:
		w.forget(false)
		w.stop()
	}
	budget.returnUnused(timeout - time.Since(startTime))
}

// sendWatchCacheEvent sends a copy of event's object, as ADDED, MODIFIED
// or DELETED from this watcher's point of view: an object entering its
// selection is ADDED, one leaving it DELETED.
func (w *cacheWatcher) sendWatchCacheEvent(event *watchCacheEvent) {
	curObjPasses := event.Type != watch.Deleted && w.filter(event.Key, event.ObjLabels, event.ObjFields)
	oldObjPasses := event.PrevObject != nil && w.filter(event.Key, event.PrevObjLabels, event.PrevObjFields)
	var watchEvent watch.Event
	switch {
	case curObjPasses && !oldObjPasses:
		watchEvent = watch.Event{Type: watch.Added, Object: event.Object.DeepCopyObject()}
	case curObjPasses && oldObjPasses:
		watchEvent = watch.Event{Type: watch.Modified, Object: event.Object.DeepCopyObject()}
	case oldObjPasses:
		watchEvent = watch.Event{Type: watch.Deleted, Object: event.PrevObject.DeepCopyObject()}
	default:
		return
	}
	// Once stopped, send nothing more, even if the result has room.
	select {
	case <-w.done:
		return
	default:
	}
	select {
	case w.result <- watchEvent:
	case <-w.done:
	}
}

// process sends the initial events, then every added event newer than
// resourceVersion, until the watcher is stopped.
func (w *cacheWatcher) process(ctx context.Context, initEvents []*watchCacheEvent, resourceVersion uint64) {
	defer trace.Close(ctx, w.result)
	defer w.Stop()
	start := time.Now()
	for _, event := range initEvents {
		w.sendWatchCacheEvent(event)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		objType := "<null>"
		if len(initEvents) > 0 {
			objType = reflect.TypeOf(initEvents[0].Object).String()
		}
		trace.Log(ctx).Info().Msgf("processing %d initEvents of %s took %v", len(initEvents), objType, took)
	}
	for event := range w.input {
		if event.ResourceVersion > resourceVersion {
			w.sendWatchCacheEvent(event)
		}
	}
}

// ready is whether the cache has been listed, and a way to wait for it.
type ready struct {
	mu sync.Mutex
	ok bool
	// changed is closed, and replaced, whenever ok changes.
	changed chan struct{}
}

func newReady() *ready { return &ready{changed: make(chan struct{})} }

// wait returns once the cache is ready, or ctx's error if ctx ends
// first. (Upstream waits on a sync.Cond, for as long as it takes.)
func (r *ready) wait(ctx context.Context) error {
	for {
		r.mu.Lock()
		ok, changed := r.ok, r.changed
		r.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *ready) set(ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ok = ok
	close(r.changed)
	r.changed = make(chan struct{})
}
