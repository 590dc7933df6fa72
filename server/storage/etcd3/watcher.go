package etcd3

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// The buffers between etcd's watch and the decoding, and between the
// decoding and the watch's reader, as upstream sizes them.
const (
	incomingBufSize = 100
	outgoingBufSize = 100
)

// watcher starts watches of one store.
type watcher struct {
	client    *clientv3.Client
	codec     runtime.Codec
	versioner storage.Versioner
}

func newWatcher(client *clientv3.Client, codec runtime.Codec, versioner storage.Versioner) *watcher {
	return &watcher{client: client, codec: codec, versioner: versioner}
}

// watchChan is one watch, upstream's: three goroutines. startWatching
// reads etcd's watch (after the current objects, from revision 0) and
// hands each event to processEvent, which decodes, filters and sends it
// on resultChan; run waits for an error, the end of etcd's watch or the
// watch's end, stops the other two, and closes resultChan.
type watchChan struct {
	watcher           *watcher
	key               string
	initialRev        int64
	recursive         bool
	pred              storage.SelectionPredicate
	ctx               context.Context
	cancel            context.CancelFunc
	incomingEventChan chan *event
	resultChan        chan watch.Event
	errChan           chan error
}

// Watch starts a watch of key (of every key below it, if recursive) that
// sends what pred selects: from rev 0, the current objects as ADDED
// events and then the changes; from another rev, the changes after it.
// The watch ends, and its result channel closes, when ctx is done, Stop
// is called, or after an ERROR event. While etcd cannot be reached, it
// sends nothing and stays open: etcd's client reconnects and resumes the
// watch at the revision it had reached.
func (w *watcher) Watch(ctx context.Context, key string, rev int64, recursive bool, pred storage.SelectionPredicate) watch.Interface {
	if recursive && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	wc := &watchChan{
		watcher:           w,
		key:               key,
		initialRev:        rev,
		recursive:         recursive,
		pred:              pred,
		incomingEventChan: make(chan *event, incomingBufSize),
		errChan:           make(chan error, 1),
	}
	wc.ctx, wc.cancel = context.WithCancel(ctx)
	wc.resultChan = make(chan watch.Event, outgoingBufSize)
	trace.Go(wc.ctx, "watchChan.run "+key, wc.run)
	return wc
}

// Stop implements watch.Interface: it ends the watch; the result channel
// is closed soon after.
func (wc *watchChan) Stop() { wc.cancel() }

// ResultChan implements watch.Interface.
func (wc *watchChan) ResultChan() <-chan watch.Event { return wc.resultChan }

// run starts the other two goroutines, waits for the watch to end, and
// ends them before it closes resultChan.
func (wc *watchChan) run(ctx context.Context) {
	// Made known here, in the goroutine that closes it: the caller's ctx
	// may carry a span that records nothing (the watch handler's).
	trace.Make(ctx, wc.resultChan, "resultChan", "watchChan.run "+wc.key)
	watchClosed := trace.Go(ctx, "watchChan.startWatching "+wc.key, wc.startWatching)
	processed := trace.Go(ctx, "watchChan.processEvent "+wc.key, wc.processEvent)

	why := lang.N("stopped: Stop was called, or the watch's context is done")
	// Plain selects: a watch is one of many, and the kit would keep a
	// name for each of its channels for the life of the run.
	select {
	case err := <-wc.errChan:
		why = wc.sendErrorEvent(err)
	case <-watchClosed:
		select { // startWatching may have ended on an error it sent
		case err := <-wc.errChan:
			why = wc.sendErrorEvent(err)
		default:
			why = lang.N("etcd's watch channel closed")
		}
	case <-wc.ctx.Done():
	}
	wc.cancel() // ends the other two: both give up on ctx
	<-processed
	<-watchClosed
	trace.Log(ctx).Debug().Str("reason", lang.Say(ctx, why)).Msg(lang.Say(ctx, "watchChan ended"))
	trace.Close(ctx, wc.resultChan)
}

// sendErrorEvent sends err as an ERROR event, unless it is the watch's
// own cancellation or the reader gave up, and says why the watch ended.
func (wc *watchChan) sendErrorEvent(err error) string {
	if errors.Is(err, context.Canceled) {
		return lang.N("stopped")
	}
	select {
	case wc.resultChan <- parseError(err):
	case <-wc.ctx.Done():
	}
	return lang.Sayf(wc.ctx, "ERROR event sent: %v", err)
}

// sync reads the current objects and hands them on as created, and
// moves initialRev to the revision it read at.
func (wc *watchChan) sync(ctx context.Context) error {
	opts := []clientv3.OpOption{}
	if wc.recursive {
		opts = append(opts, clientv3.WithPrefix())
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	getResp, err := wc.watcher.client.Get(ctx, wc.key, opts...)
	if err != nil {
		return err
	}
	wc.initialRev = getResp.Header.Revision
	for _, kv := range getResp.Kvs {
		wc.sendEvent(ctx, parseKV(kv))
	}
	return nil
}

// startWatching syncs first if the watch starts at 0, then watches etcd
// from the revision after initialRev, with each event's previous value,
// and hands every event to processEvent. An error etcd's watch reports
// (such as a compacted revision) is sent to run, and ends it.
func (wc *watchChan) startWatching(ctx context.Context) {
	if wc.initialRev == 0 {
		if err := wc.sync(ctx); err != nil {
			trace.Log(ctx).Error().Msgf("failed to sync with latest state: %v", err)
			wc.sendError(err)
			return
		}
	}
	opts := []clientv3.OpOption{clientv3.WithRev(wc.initialRev + 1), clientv3.WithPrevKV()}
	if wc.recursive {
		opts = append(opts, clientv3.WithPrefix())
	}
	for wres := range wc.watcher.client.Watch(wc.ctx, wc.key, opts...) {
		if err := wres.Err(); err != nil {
			trace.Log(ctx).Error().Msgf("watch chan error: %v", err)
			wc.sendError(err)
			return
		}
		for _, e := range wres.Events {
			wc.sendEvent(ctx, parseEvent(e))
		}
	}
	// etcd's channel closes only when the client ends it: the watch's
	// context is done, or the client was closed.
}

// processEvent turns the events startWatching hands it into watch events
// and sends them, until the watch ends.
func (wc *watchChan) processEvent(ctx context.Context) {
	for {
		select {
		case e := <-wc.incomingEventChan:
			res := wc.transform(ctx, e)
			if res == nil {
				continue
			}
			if len(wc.resultChan) == outgoingBufSize {
				trace.Log(ctx).Warn().Msgf("Fast watcher, slow processing. Number of buffered events: %d."+
					"Probably caused by slow dispatching events to watchers", outgoingBufSize)
			}
			// A reader that does not keep up holds etcd's events back
			// rather than have them pile up here.
			select {
			case wc.resultChan <- *res:
			case <-wc.ctx.Done():
				return
			}
		case <-wc.ctx.Done():
			return
		}
	}
}

// transform turns an event into the watch event a client sees, or nil if
// pred selects neither the object before nor after it: an update that
// moves an object into the selection is ADDED, out of it DELETED.
func (wc *watchChan) transform(ctx context.Context, e *event) *watch.Event {
	curObj, oldObj, err := wc.prepareObjs(e)
	if err != nil {
		trace.Log(ctx).Error().Msgf("failed to prepare current and previous objects: %v", err)
		wc.sendError(err)
		return nil
	}
	switch {
	case e.isDeleted:
		if !wc.filter(oldObj) {
			return nil
		}
		return &watch.Event{Type: watch.Deleted, Object: oldObj}
	case e.isCreated:
		if !wc.filter(curObj) {
			return nil
		}
		return &watch.Event{Type: watch.Added, Object: curObj}
	case wc.pred.Empty():
		return &watch.Event{Type: watch.Modified, Object: curObj}
	}
	curObjPasses, oldObjPasses := wc.filter(curObj), wc.filter(oldObj)
	switch {
	case curObjPasses && oldObjPasses:
		return &watch.Event{Type: watch.Modified, Object: curObj}
	case curObjPasses:
		return &watch.Event{Type: watch.Added, Object: curObj}
	case oldObjPasses:
		return &watch.Event{Type: watch.Deleted, Object: oldObj}
	}
	return nil
}

// filter reports whether pred selects obj; an object whose attributes
// cannot be read is not selected, as upstream's SimpleFilter has it.
func (wc *watchChan) filter(obj runtime.Object) bool {
	if wc.pred.Empty() {
		return true
	}
	ok, err := wc.pred.Matches(obj)
	return err == nil && ok
}

// parseError is the ERROR event of err: a compacted revision is 410
// Expired, with etcd's message; anything else 500.
func parseError(err error) watch.Event {
	status := &metav1.Status{
		Status:  metav1.StatusFailure,
		Message: err.Error(),
		Code:    http.StatusInternalServerError,
		Reason:  metav1.StatusReasonInternalError,
	}
	if errors.Is(err, rpctypes.ErrCompacted) {
		status.Code, status.Reason = http.StatusGone, metav1.StatusReasonExpired
	}
	return watch.Event{Type: watch.Error, Object: status}
}

func (wc *watchChan) sendError(err error) {
	select {
	case wc.errChan <- err:
	case <-wc.ctx.Done():
	}
}

func (wc *watchChan) sendEvent(ctx context.Context, e *event) {
	if len(wc.incomingEventChan) == incomingBufSize {
		trace.Log(ctx).Warn().Msgf("Fast watcher, slow processing. Number of buffered events: %d."+
			"Probably caused by slow decoding, user not receiving fast, or other processing logic", incomingBufSize)
	}
	select {
	case wc.incomingEventChan <- e:
	case <-wc.ctx.Done():
	}
}

// prepareObjs decodes the object after the change and, when the change
// is a deletion or the filter needs it, the one before. Both carry the
// change's revision: a deleted object reports the revision that deleted
// it.
func (wc *watchChan) prepareObjs(e *event) (curObj, oldObj runtime.Object, err error) {
	w := wc.watcher
	if !e.isDeleted {
		if curObj, err = decodeObj(w.codec, w.versioner, e.value, e.rev); err != nil {
			return nil, nil, err
		}
	}
	if len(e.prevValue) > 0 && (e.isDeleted || !wc.pred.Empty()) {
		if oldObj, err = decodeObj(w.codec, w.versioner, e.prevValue, e.rev); err != nil {
			return nil, nil, err
		}
	}
	return curObj, oldObj, nil
}

func decodeObj(codec runtime.Codec, versioner storage.Versioner, data []byte, rev int64) (runtime.Object, error) {
	obj, err := runtime.Decode(codec, data)
	if err != nil {
		return nil, err
	}
	return obj, versioner.UpdateObject(obj, uint64(rev))
}
