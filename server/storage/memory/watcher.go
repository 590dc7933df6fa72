package memory

import (
	"context"
	"errors"
	"net/http"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// outgoingBufSize is how many events a watch holds for a slow reader, as
// upstream's etcd3 watcher does.
const outgoingBufSize = 100

// watchChan is one watch, after upstream's etcd3 watchChan: a goroutine
// that replays the Backend's changes after initialRev (or the current
// objects first, when it is 0), keeps those pred selects, and sends them
// on resultChan until Stop is called.
type watchChan struct {
	store      *store
	key        string
	recursive  bool
	initialRev int64
	pred       storage.SelectionPredicate
	ctx        context.Context
	cancel     context.CancelFunc
	resultChan chan watch.Event

	// initial holds the current objects of a watch from 0, read by
	// startWatch at initialRev; changed is closed by the next write.
	initial []keyValue
	changed <-chan struct{}
}

// startWatch starts the watch's goroutine and returns the watch. The
// goroutine ends, closing the result channel, when Stop is called or
// after it sent an ERROR event; ctx gives it the kit and the request's
// span, not its end.
func (s *store) startWatch(ctx context.Context, key string, rev int64, recursive bool, pred storage.SelectionPredicate) *watchChan {
	wc := &watchChan{store: s, key: key, recursive: recursive, initialRev: rev, pred: pred}
	if rev == 0 {
		// The current state is read now, not when the goroutine runs, so
		// that the watch starts where the caller was.
		wc.initial, wc.initialRev, wc.changed = s.backend.snapshot(key, recursive)
	}
	// The watch ends when its server calls Stop, not when the request's
	// context is done: the handler notices that first, and stops it.
	wc.ctx, wc.cancel = context.WithCancel(context.WithoutCancel(ctx))
	wc.resultChan = make(chan watch.Event, outgoingBufSize)
	trace.Go(wc.ctx, "watchChan.run "+key, wc.run)
	return wc
}

// Stop implements watch.Interface: it ends the watch; the result channel
// is closed soon after.
func (wc *watchChan) Stop() { wc.cancel() }

// ResultChan implements watch.Interface.
func (wc *watchChan) ResultChan() <-chan watch.Event { return wc.resultChan }

// run sends the events until the watch ends, then records why and
// closes resultChan.
func (wc *watchChan) run(ctx context.Context) {
	trace.Make(ctx, wc.resultChan, "resultChan", "watchChan.run "+wc.key) // made by startWatch, for this goroutine
	why := lang.N("stopped: its server called Stop")
	defer func() {
		trace.Log(ctx).Info().Str("reason", lang.Say(ctx, why)).Msg(lang.Say(ctx, "watchChan ended"))
		trace.Close(ctx, wc.resultChan)
	}()
	b := wc.store.backend
	rev, changed := wc.initialRev, wc.changed
	for _, kv := range wc.initial {
		if !wc.send(&event{value: kv.value, rev: kv.modRev, isCreated: true}) {
			return
		}
	}
	wc.initial = nil
	for {
		if changed != nil {
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
		events, next, ch, err := b.since(rev, wc.key, wc.recursive)
		if err != nil {
			why = lang.Sayf(ctx, "ERROR event sent: %v", err)
			wc.sendError(err)
			return
		}
		for i := range events {
			if !wc.send(&events[i]) {
				return
			}
		}
		rev, changed = next, ch
	}
}

// send sends e's watch event if pred selects it, and reports false if the
// watch ended first.
func (wc *watchChan) send(e *event) bool {
	res, err := wc.transform(e)
	if err != nil {
		wc.sendError(err)
		return false
	}
	if res == nil {
		return true
	}
	select {
	case wc.resultChan <- *res:
		trace.Log(wc.ctx).Debug().Str("type", string(res.Type)).Int64("rev", e.rev).Msg(lang.Say(wc.ctx, "watch event sent"))
		return true
	case <-wc.ctx.Done():
		return false
	}
}

// sendError sends the ERROR event for err, unless the watch ended first.
func (wc *watchChan) sendError(err error) {
	status := &metav1.Status{
		Status:  metav1.StatusFailure,
		Message: err.Error(),
		Code:    http.StatusInternalServerError,
		Reason:  metav1.StatusReasonInternalError,
	}
	if errors.Is(err, ErrCompacted) {
		status.Code, status.Reason = http.StatusGone, metav1.StatusReasonExpired
	}
	select {
	case wc.resultChan <- watch.Event{Type: watch.Error, Object: status}:
	case <-wc.ctx.Done():
	}
}

// transform turns a change into the event a client sees, or nil if pred
// selects neither the object before nor after it, as upstream's etcd3
// watcher does: an update that moves an object into the selection is
// ADDED, out of it DELETED.
func (wc *watchChan) transform(e *event) (*watch.Event, error) {
	cur, old, err := wc.prepareObjs(e)
	if err != nil {
		return nil, err
	}
	switch {
	case e.isDeleted:
		if ok, err := wc.pred.Matches(old); !ok || err != nil {
			return nil, err
		}
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	case e.isCreated:
		if ok, err := wc.pred.Matches(cur); !ok || err != nil {
			return nil, err
		}
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case wc.pred.Empty():
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	}
	curPasses, err := wc.pred.Matches(cur)
	if err != nil {
		return nil, err
	}
	oldPasses, err := wc.pred.Matches(old)
	if err != nil {
		return nil, err
	}
	switch {
	case curPasses && oldPasses:
		return &watch.Event{Type: watch.Modified, Object: cur}, nil
	case curPasses:
		return &watch.Event{Type: watch.Added, Object: cur}, nil
	case oldPasses:
		return &watch.Event{Type: watch.Deleted, Object: old}, nil
	}
	return nil, nil
}

// prepareObjs decodes the object after the change and, where the filter
// or a deletion needs it, the one before. Both carry the change's
// revision, so a deleted object reports the revision that deleted it.
func (wc *watchChan) prepareObjs(e *event) (cur, old runtime.Object, err error) {
	s := wc.store
	if !e.isDeleted {
		if cur, err = decodeObj(s, e.value, e.rev); err != nil {
			return nil, nil, err
		}
	}
	if e.prevValue != nil && (e.isDeleted || !wc.pred.Empty()) {
		if old, err = decodeObj(s, e.prevValue, e.rev); err != nil {
			return nil, nil, err
		}
	}
	return cur, old, nil
}

func decodeObj(s *store, data []byte, rev int64) (runtime.Object, error) {
	obj, err := runtime.Decode(s.codec, data)
	if err != nil {
		return nil, err
	}
	return obj, s.versioner.UpdateObject(obj, uint64(rev))
}
