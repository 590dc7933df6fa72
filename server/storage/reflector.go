package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// reflectorName is the name v1.7's Cacher reflectors log with: client-go
// names a reflector after the line that made it, cacher.go:215 at
// kubernetes-1.7.6.
const reflectorName = "k8s.io/apiserver/pkg/storage/cacher.go:215"

// errorStopRequested ends a watch when the reflector is stopped.
var errorStopRequested = errors.New("stop requested")

// reflector lists the Cacher's storage, then watches it from the list's
// resourceVersion, and feeds all it learns to the watch cache: client-go's
// Reflector (tools/cache/reflector.go, kubernetes-1.7.6), with what the
// Cacher uses of it.
type reflector struct {
	name         string
	expectedType reflect.Type
	listerWatcher
	store *watchCache

	mu                      sync.RWMutex
	lastSyncResourceVersion string
}

// listerWatcher is the Cacher's view of its storage: every object below
// the resource's prefix, and their changes.
type listerWatcher struct {
	storage        Interface
	resourcePrefix string
	newListFunc    func() runtime.Object
}

// list lists from the storage: at the latest revision, whatever the
// reflector asks for (a resourceVersion of "0").
func (lw *listerWatcher) list(ctx context.Context) (runtime.Object, error) {
	list := lw.newListFunc()
	if err := lw.storage.List(ctx, lw.resourcePrefix, "", Everything, list); err != nil {
		return nil, err
	}
	return list, nil
}

// watch watches the storage from resourceVersion.
func (lw *listerWatcher) watch(ctx context.Context, resourceVersion string) (watch.Interface, error) {
	return lw.storage.WatchList(ctx, lw.resourcePrefix, resourceVersion, Everything)
}

// ListAndWatch lists, replaces the cache's content with the list, and
// then watches from the list's resourceVersion, watch after watch, until
// stopCh closes or a watch ends in a way that needs a new list (an ERROR
// event, such as a compacted revision). It returns an error only if the
// list failed.
func (r *reflector) ListAndWatch(ctx context.Context, stopCh <-chan struct{}) error {
	trace.Log(ctx).Debug().Msgf("Listing and watching %v from %s", r.expectedType, r.name)
	list, err := r.list(ctx)
	if err != nil {
		return fmt.Errorf("%s: Failed to list %v: %v", r.name, r.expectedType, err)
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return fmt.Errorf("%s: Unable to understand list result %#v: %v", r.name, list, err)
	}
	resourceVersion := listMeta.GetResourceVersion()
	items, err := meta.ExtractList(list)
	if err != nil {
		return fmt.Errorf("%s: Unable to understand list result %#v (%v)", r.name, list, err)
	}
	if err := r.store.Replace(items, resourceVersion); err != nil {
		return fmt.Errorf("%s: Unable to sync list result: %v", r.name, err)
	}
	r.setLastSyncResourceVersion(resourceVersion)

	for {
		w, err := r.watch(ctx, resourceVersion)
		if err != nil {
			trace.Log(ctx).Error().Msgf("%s: Failed to watch %v: %v", r.name, r.expectedType, err)
			return nil
		}
		if err := r.watchHandler(ctx, w, &resourceVersion, stopCh); err != nil {
			if err != errorStopRequested {
				trace.Log(ctx).Warn().Msgf("%s: watch of %v ended with: %v", r.name, r.expectedType, err)
			}
			return nil
		}
	}
}

// watchHandler applies w's events to the cache until w ends or stopCh
// closes. An ERROR event ends it with the event's error; so does a watch
// that closed within a second without an event.
func (r *reflector) watchHandler(ctx context.Context, w watch.Interface, resourceVersion *string, stopCh <-chan struct{}) error {
	start := time.Now()
	eventCount := 0
	defer func() {
		w.Stop()
		// Ours: wait for the watch to end (its result channel closes
		// last), so that nothing under a stopped Cacher still runs.
		for range w.ResultChan() {
		}
	}()
	for {
		// A plain select: it runs for every change of the resource.
		var event watch.Event
		var ok bool
		select {
		case <-stopCh:
			return errorStopRequested
		case event, ok = <-w.ResultChan():
		}
		if !ok {
			break
		}
		if event.Type == watch.Error {
			return apierrors.FromObject(event.Object)
		}
		if t := reflect.TypeOf(event.Object); r.expectedType != nil && t != r.expectedType {
			trace.Log(ctx).Error().Msgf("%s: expected type %v, but watch event object had type %v", r.name, r.expectedType, t)
			continue
		}
		m, err := meta.Accessor(event.Object)
		if err != nil {
			trace.Log(ctx).Error().Msgf("%s: unable to understand watch event %#v", r.name, event)
			continue
		}
		switch event.Type {
		case watch.Added:
			err = r.store.Add(event.Object)
		case watch.Modified:
			err = r.store.Update(event.Object)
		case watch.Deleted:
			err = r.store.Delete(event.Object)
		default:
			err = fmt.Errorf("unable to understand watch event %#v", event)
		}
		if err != nil {
			trace.Log(ctx).Error().Msgf("%s: unable to apply watch event to store: %v", r.name, err)
		}
		*resourceVersion = m.GetResourceVersion()
		r.setLastSyncResourceVersion(*resourceVersion)
		eventCount++
	}
	if time.Since(start) < time.Second && eventCount == 0 {
		return errors.New("very short watch")
	}
	return nil
}

// LastSyncResourceVersion is the resourceVersion of the last list or
// event the reflector applied.
func (r *reflector) LastSyncResourceVersion() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lastSyncResourceVersion
}

func (r *reflector) setLastSyncResourceVersion(v string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastSyncResourceVersion = v
}
