package etcd3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/trace"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// callTimeout is the longest one call to etcd may take. It is ours:
// v1.7's calls had no deadline and waited for etcd however long it took,
// unless the request's context ended first; a minute is kube-apiserver's
// request timeout. Watches have none: they last until they are stopped.
const callTimeout = time.Minute

// store is the storage.Interface of one resource on etcd, after
// upstream's etcd3 store: objects are encoded with codec and kept under
// pathPrefix; an object's resourceVersion is its key's ModRevision, a
// list's the revision etcd answered at, set when decoding, never stored.
type store struct {
	client *clientv3.Client
	// getOps are the options of every Get, but List's and the deletes':
	// WithSerializable unless reads must go through the quorum.
	getOps     []clientv3.OpOption
	codec      runtime.Codec
	versioner  storage.Versioner
	pathPrefix string
	watcher    *watcher
}

// New returns the storage of objects encoded with codec, below prefix in
// c's etcd, whose reads go through etcd's quorum (--etcd-quorum-read).
func New(c *clientv3.Client, codec runtime.Codec, prefix string) storage.Interface {
	return newStore(c, true, codec, prefix)
}

// NewWithNoQuorumRead is New whose Gets may be answered by any etcd member
// from what it has (serializable reads): v1.7's default.
func NewWithNoQuorumRead(c *clientv3.Client, codec runtime.Codec, prefix string) storage.Interface {
	return newStore(c, false, codec, prefix)
}

func newStore(c *clientv3.Client, quorumRead bool, codec runtime.Codec, prefix string) *store {
	versioner := storage.APIObjectVersioner{}
	s := &store{
		client:    c,
		codec:     codec,
		versioner: versioner,
		// Without a leading "/", a prefix such as "registry" would not
		// match etcd2's layout; with the default "/registry" it changes
		// nothing.
		pathPrefix: path.Join("/", prefix),
		watcher:    newWatcher(c, codec, versioner),
	}
	if !quorumRead {
		s.getOps = append(s.getOps, clientv3.WithSerializable())
	}
	return s
}

// Versioner implements storage.Interface.Versioner.
func (s *store) Versioner() storage.Versioner { return s.versioner }

// Get implements storage.Interface.Get. It reads the latest value,
// whatever resourceVersion says.
func (s *store) Get(ctx context.Context, key string, resourceVersion string, out runtime.Object, ignoreNotFound bool) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	key = path.Join(s.pathPrefix, key)
	getResp, err := s.client.KV.Get(ctx, key, s.getOps...)
	if err != nil {
		return err
	}
	if len(getResp.Kvs) == 0 {
		if ignoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	kv := getResp.Kvs[0]
	return decode(s.codec, s.versioner, kv.Value, out, kv.ModRevision)
}

// Create implements storage.Interface.Create: one transaction that puts
// the value if the key has no ModRevision, that is, does not exist.
func (s *store) Create(ctx context.Context, key string, obj, out runtime.Object) error {
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return errors.New("resourceVersion should not be set on objects to be created")
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return err
	}
	key = path.Join(s.pathPrefix, key)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	// --8<-- [start:create]
	txnResp, err := s.client.KV.Txn(ctx).If(
		notFound(key),
	).Then(
		clientv3.OpPut(key, string(data)),
	).Commit()
	// --8<-- [end:create]
	if err != nil {
		return err
	}
	if !txnResp.Succeeded {
		return storage.NewKeyExistsError(key, 0)
	}
	if out != nil {
		putResp := txnResp.Responses[0].GetResponsePut()
		return decode(s.codec, s.versioner, data, out, putResp.Header.Revision)
	}
	return nil
}

// Delete implements storage.Interface.Delete.
func (s *store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions) error {
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("etcd3: Delete needs a pointer, not %T", out)
	}
	key = path.Join(s.pathPrefix, key)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if preconditions == nil {
		return s.unconditionalDelete(ctx, key, out)
	}
	return s.conditionalDelete(ctx, key, out, v, preconditions)
}

// unconditionalDelete gets and deletes key in one transaction, to know
// what it deleted and at which revision that was written.
func (s *store) unconditionalDelete(ctx context.Context, key string, out runtime.Object) error {
	txnResp, err := s.client.KV.Txn(ctx).If().Then(
		clientv3.OpGet(key),
		clientv3.OpDelete(key),
	).Commit()
	if err != nil {
		return err
	}
	getResp := txnResp.Responses[0].GetResponseRange()
	if len(getResp.Kvs) == 0 {
		return storage.NewKeyNotFoundError(key, 0)
	}
	kv := getResp.Kvs[0]
	return decode(s.codec, s.versioner, kv.Value, out, kv.ModRevision)
}

// conditionalDelete checks the preconditions on what it read, and deletes
// only if that is still what is stored; otherwise it reads again.
func (s *store) conditionalDelete(ctx context.Context, key string, out runtime.Object, v reflect.Value, preconditions *storage.Preconditions) error {
	getResp, err := s.client.KV.Get(ctx, key)
	if err != nil {
		return err
	}
	for {
		origState, err := s.getState(getResp, key, v, false)
		if err != nil {
			return err
		}
		if err := checkPreconditions(key, preconditions, origState.obj); err != nil {
			return err
		}
		txnResp, err := s.client.KV.Txn(ctx).If(
			clientv3.Compare(clientv3.ModRevision(key), "=", origState.rev),
		).Then(
			clientv3.OpDelete(key),
		).Else(
			clientv3.OpGet(key),
		).Commit()
		if err != nil {
			return err
		}
		if !txnResp.Succeeded {
			getResp = (*clientv3.GetResponse)(txnResp.Responses[0].GetResponseRange())
			trace.Log(ctx).Debug().Msgf("deletion of %s failed because of a conflict, going to retry", key)
			continue
		}
		return decode(s.codec, s.versioner, origState.data, out, origState.rev)
	}
}

// GuaranteedUpdate implements storage.Interface.GuaranteedUpdate: a
// transaction that puts the new value if the key's ModRevision is still
// the one read, and otherwise returns what is there to try again on.
func (s *store) GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, suggestion ...runtime.Object) error {
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("etcd3: GuaranteedUpdate needs a pointer, not %T", out)
	}
	key = path.Join(s.pathPrefix, key)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	getCurrentState := func() (*objState, error) {
		getResp, err := s.client.KV.Get(ctx, key, s.getOps...)
		if err != nil {
			return nil, err
		}
		return s.getState(getResp, key, v, ignoreNotFound)
	}
	var origState *objState
	// mustCheckData: the state came from the caller's suggestion (the
	// watch cache's copy), which may be stale; before trusting it, read.
	mustCheckData := len(suggestion) == 1 && suggestion[0] != nil
	if mustCheckData {
		origState, err = s.getStateFromObject(suggestion[0])
	} else {
		origState, err = getCurrentState()
	}
	if err != nil {
		return err
	}
	for {
		if err := checkPreconditions(key, preconditions, origState.obj); err != nil {
			return err
		}
		ret, err := s.updateState(origState, tryUpdate)
		if err != nil {
			if mustCheckData && apierrors.IsConflict(err) { // perhaps only the suggestion was stale
				if origState, err = getCurrentState(); err != nil {
					return err
				}
				mustCheckData = false
				continue
			}
			return err
		}
		data, err := runtime.Encode(s.codec, ret)
		if err != nil {
			return err
		}
		if origState.rev != 0 && bytes.Equal(data, origState.data) {
			if mustCheckData { // the suggestion may not be what is stored: look
				if origState, err = getCurrentState(); err != nil {
					return err
				}
				mustCheckData = false
				continue
			}
			return decode(s.codec, s.versioner, origState.data, out, origState.rev)
		}
		txnResp, err := s.client.KV.Txn(ctx).If(
			clientv3.Compare(clientv3.ModRevision(key), "=", origState.rev),
		).Then(
			clientv3.OpPut(key, string(data)),
		).Else(
			clientv3.OpGet(key),
		).Commit()
		if err != nil {
			return err
		}
		if !txnResp.Succeeded {
			getResp := (*clientv3.GetResponse)(txnResp.Responses[0].GetResponseRange())
			trace.Log(ctx).Debug().Msgf("GuaranteedUpdate of %s failed because of a conflict, going to retry", key)
			if origState, err = s.getState(getResp, key, v, ignoreNotFound); err != nil {
				return err
			}
			mustCheckData = false
			continue
		}
		putResp := txnResp.Responses[0].GetResponsePut()
		return decode(s.codec, s.versioner, data, out, putResp.Header.Revision)
	}
}

// GetToList implements storage.Interface.GetToList.
func (s *store) GetToList(ctx context.Context, key string, resourceVersion string, pred storage.SelectionPredicate, listObj runtime.Object) error {
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	key = path.Join(s.pathPrefix, key)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	getResp, err := s.client.KV.Get(ctx, key, s.getOps...)
	if err != nil {
		return err
	}
	if len(getResp.Kvs) == 0 {
		return nil // as upstream: an empty list without a resourceVersion
	}
	if err := decodeList(getResp.Kvs, pred, listPtr, s.codec, s.versioner); err != nil {
		return err
	}
	// The list's resourceVersion is the revision etcd answered at.
	return s.versioner.UpdateList(listObj, uint64(getResp.Header.Revision))
}

// List implements storage.Interface.List: one read of every key below
// key, at the latest revision, through etcd's quorum, whatever
// resourceVersion says.
func (s *store) List(ctx context.Context, key, resourceVersion string, pred storage.SelectionPredicate, listObj runtime.Object) error {
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	key = path.Join(s.pathPrefix, key)
	// etcd's prefixes are bytes: "/a" would also match "/ab". Only the
	// keys below "/a/" are "/a"'s children.
	if !strings.HasSuffix(key, "/") {
		key += "/"
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	getResp, err := s.client.KV.Get(ctx, key, clientv3.WithPrefix())
	if err != nil {
		return err
	}
	if err := decodeList(getResp.Kvs, pred, listPtr, s.codec, s.versioner); err != nil {
		return err
	}
	return s.versioner.UpdateList(listObj, uint64(getResp.Header.Revision))
}

// Watch implements storage.Interface.Watch.
func (s *store) Watch(ctx context.Context, key string, resourceVersion string, pred storage.SelectionPredicate) (watch.Interface, error) {
	return s.watch(ctx, key, resourceVersion, pred, false)
}

// WatchList implements storage.Interface.WatchList.
func (s *store) WatchList(ctx context.Context, key string, resourceVersion string, pred storage.SelectionPredicate) (watch.Interface, error) {
	return s.watch(ctx, key, resourceVersion, pred, true)
}

func (s *store) watch(ctx context.Context, key string, rv string, pred storage.SelectionPredicate, recursive bool) (watch.Interface, error) {
	rev, err := storage.ParseWatchResourceVersion(rv)
	if err != nil {
		return nil, err
	}
	key = path.Join(s.pathPrefix, key)
	return s.watcher.Watch(ctx, key, int64(rev), recursive, pred), nil
}

// objState is an object as read, for GuaranteedUpdate and Delete.
type objState struct {
	obj  runtime.Object
	meta storage.ResponseMeta
	rev  int64
	data []byte
}

func (s *store) getState(getResp *clientv3.GetResponse, key string, v reflect.Value, ignoreNotFound bool) (*objState, error) {
	state := &objState{obj: reflect.New(v.Type()).Interface().(runtime.Object)}
	if len(getResp.Kvs) == 0 {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		return state, runtime.SetZeroValue(state.obj)
	}
	kv := getResp.Kvs[0]
	state.rev, state.data = kv.ModRevision, kv.Value
	state.meta.ResourceVersion = uint64(state.rev)
	return state, decode(s.codec, s.versioner, state.data, state.obj, state.rev)
}

// getStateFromObject is the state of a suggested object: its
// resourceVersion, and its encoding without one (never stored).
func (s *store) getStateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %v", err)
	}
	state := &objState{obj: obj, rev: int64(rv), meta: storage.ResponseMeta{ResourceVersion: rv}}
	if err := s.versioner.UpdateObject(obj, 0); err != nil {
		return nil, errors.New("resourceVersion cannot be set on objects store in etcd")
	}
	if state.data, err = runtime.Encode(s.codec, obj); err != nil {
		return nil, err
	}
	return state, s.versioner.UpdateObject(obj, rv)
}

// updateState calls tryUpdate on the state, and clears the
// resourceVersion of what it returns: that is never stored.
func (s *store) updateState(st *objState, tryUpdate storage.UpdateFunc) (runtime.Object, error) {
	ret, err := tryUpdate(st.obj, st.meta)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(ret, 0); err != nil {
		return nil, fmt.Errorf("UpdateObject failed: %v", err)
	}
	return ret, nil
}

// notFound is the comparison of a key that does not exist: it was never
// modified.
func notFound(key string) clientv3.Cmp {
	return clientv3.Compare(clientv3.ModRevision(key), "=", 0)
}

// decode decodes value into objPtr and sets its resourceVersion to rev.
func decode(codec runtime.Codec, versioner storage.Versioner, value []byte, objPtr runtime.Object, rev int64) error {
	if _, _, err := codec.Decode(value, nil, objPtr); err != nil {
		return err
	}
	return versioner.UpdateObject(objPtr, uint64(rev))
}

// decodeList appends the objects of kvs that pred selects to the slice
// listPtr points to, each with its ModRevision as resourceVersion.
func decodeList(kvs []*mvccpb.KeyValue, pred storage.SelectionPredicate, listPtr any, codec runtime.Codec, versioner storage.Versioner) error {
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("etcd3: need a pointer to a slice, not %T", listPtr)
	}
	for _, kv := range kvs {
		obj, _, err := codec.Decode(kv.Value, nil, reflect.New(v.Type().Elem()).Interface().(runtime.Object))
		if err != nil {
			return err
		}
		if err := versioner.UpdateObject(obj, uint64(kv.ModRevision)); err != nil {
			return err
		}
		if ok, err := pred.Matches(obj); err != nil {
			return err
		} else if ok {
			v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
		}
	}
	return nil
}

// checkPreconditions is upstream's: a uid precondition must be obj's uid.
func checkPreconditions(key string, preconditions *storage.Preconditions, obj runtime.Object) error {
	if preconditions == nil || preconditions.UID == nil {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return storage.NewInternalError(fmt.Sprintf("can't enforce preconditions %v on un-introspectable object %v, got error: %v", *preconditions, obj, err))
	}
	if *preconditions.UID != m.GetUID() {
		return storage.NewInvalidObjError(key, fmt.Sprintf(
			"Precondition failed: UID in precondition: %v, UID in object meta: %v", *preconditions.UID, m.GetUID()))
	}
	return nil
}
