package storage

import (
	"fmt"
	"testing"

	"github.com/kubewalk/kubewalk/trace/kittest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestWatchRepeatsUndispatchedChanges checks what v1.7 does when a watch
// starts while the dispatch still holds a change that is already in the
// ring: the watch sends it from the ring, and again when the dispatch
// hands it on, an older object after a newer one once a later change
// was in the ring too. Upstream stopped that in v1.14 (kubernetes commit
// 1b436f1a, "Avoid going back in time in watchcache watchers"), by
// starting the watcher's filter from its last initial event. The
// Cacher here has no goroutines of its own: the test is its dispatch.
func TestWatchRepeatsUndispatchedChanges(t *testing.T) {
	ctx, _ := kittest.New(t)
	c := &Cacher{
		ctx:                   ctx,
		incoming:              make(chan watchCacheEvent, 100),
		ready:                 newReady(),
		watchCache:            newWatchCache(100, namespaceKey, DefaultClusterScopedAttr),
		watchers:              map[int]*cacheWatcher{},
		dispatchTimeoutBudget: newTimeBudget(),
	}
	c.watchCache.SetOnEvent(c.processEvent)
	if err := c.watchCache.Replace(nil, "1"); err != nil {
		t.Fatal(err)
	}
	c.ready.set(true)
	// Created at 2, labelled at 3: both in the ring, neither dispatched.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", ResourceVersion: "2"}}
	if err := c.watchCache.Add(ns); err != nil {
		t.Fatal(err)
	}
	ns = ns.DeepCopy()
	ns.Labels, ns.ResourceVersion = map[string]string{"step": "2"}, "3"
	if err := c.watchCache.Update(ns); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctx, "/namespaces/a", "1", Everything)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for range 2 { // the dispatch, late
		event := <-c.incoming
		c.dispatchEvent(ctx, &event)
	}
	for _, want := range []string{"ADDED 2", "MODIFIED 3", "ADDED 2", "MODIFIED 3"} {
		e := kittest.Await(t, w.ResultChan(), "a watch event")
		if got := fmt.Sprintf("%s %s", e.Type, e.Object.(*corev1.Namespace).ResourceVersion); got != want {
			t.Errorf("event %s; want %s", got, want)
		}
	}
}

func namespaceKey(obj runtime.Object) (string, error) {
	return "/namespaces/" + obj.(*corev1.Namespace).Name, nil
}
