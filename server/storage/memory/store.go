package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/kubewalk/kubewalk/server/storage"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// store is the storage.Interface of one resource on a Backend, after
// upstream's etcd3 store: objects are encoded with codec and kept under
// pathPrefix, and an object's resourceVersion is the revision that last
// wrote it (etcd's ModRevision), set when it is decoded, never stored.
type store struct {
	backend    *Backend
	codec      runtime.Codec
	versioner  storage.Versioner
	pathPrefix string
}

// New returns the storage of one resource on b: its objects are encoded
// with codec, and every key it is given is kept below prefix ("/registry",
// so that the key /namespaces/demo is /registry/namespaces/demo). Every store
// on b shares b's revisions, so resourceVersions increase across all of
// them, as across all of etcd.
func New(b *Backend, codec runtime.Codec, prefix string) storage.Interface {
	return &store{backend: b, codec: codec, versioner: storage.APIObjectVersioner{}, pathPrefix: path.Join("/", prefix)}
}

// Versioner implements storage.Interface.Versioner.
func (s *store) Versioner() storage.Versioner { return s.versioner }

// Get implements storage.Interface.Get.
func (s *store) Get(ctx context.Context, key string, resourceVersion string, out runtime.Object, ignoreNotFound bool) error {
	key = path.Join(s.pathPrefix, key)
	kv, ok, _ := s.backend.get(key)
	if !ok {
		if ignoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	return decode(s.codec, s.versioner, kv.value, out, kv.modRev)
}

// Create implements storage.Interface.Create.
func (s *store) Create(ctx context.Context, key string, obj, out runtime.Object) error {
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return errors.New("resourceVersion should not be set on objects to be created")
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return err
	}
	key = path.Join(s.pathPrefix, key)
	rev, ok, _ := s.backend.put(key, data, 0)
	if !ok {
		return storage.NewKeyExistsError(key, 0)
	}
	if out != nil {
		return decode(s.codec, s.versioner, data, out, rev)
	}
	return nil
}

// Delete implements storage.Interface.Delete.
func (s *store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions) error {
	key = path.Join(s.pathPrefix, key)
	for {
		kv, ok, _ := s.backend.get(key)
		if !ok {
			return storage.NewKeyNotFoundError(key, 0)
		}
		if err := s.checkPreconditions(key, preconditions, kv); err != nil {
			return err
		}
		if _, _, ok := s.backend.delete(key, kv.modRev); !ok {
			continue // changed or deleted since we read it: look again
		}
		return decode(s.codec, s.versioner, kv.value, out, kv.modRev)
	}
}

// checkPreconditions decodes kv when preconditions need its uid.
func (s *store) checkPreconditions(key string, preconditions *storage.Preconditions, kv keyValue) error {
	if preconditions == nil || preconditions.UID == nil {
		return nil
	}
	obj, err := runtime.Decode(s.codec, kv.value)
	if err != nil {
		return storage.NewInternalError(err.Error())
	}
	return checkPreconditions(key, preconditions, obj)
}

// GuaranteedUpdate implements storage.Interface.GuaranteedUpdate.
func (s *store) GuaranteedUpdate(ctx context.Context, key string, out runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, suggestion ...runtime.Object) error {
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("memory: GuaranteedUpdate needs a pointer, not %T", out)
	}
	key = path.Join(s.pathPrefix, key)
	getCurrentState := func() (*objState, error) {
		kv, found, _ := s.backend.get(key)
		return s.getState(kv, found, key, v, ignoreNotFound)
	}
	var orig *objState
	// mustCheckData: the state came from the caller's suggestion, which
	// may be stale; before trusting it, read what is stored.
	mustCheckData := len(suggestion) == 1 && suggestion[0] != nil
	if mustCheckData {
		orig, err = s.getStateFromObject(suggestion[0])
	} else {
		orig, err = getCurrentState()
	}
	if err != nil {
		return err
	}
	for {
		if err := checkPreconditions(key, preconditions, orig.obj); err != nil {
			return err
		}
		ret, err := tryUpdate(orig.obj, storage.ResponseMeta{ResourceVersion: uint64(orig.rev)})
		if err != nil {
			if mustCheckData && apierrors.IsConflict(err) { // perhaps only the suggestion was stale
				if orig, err = getCurrentState(); err != nil {
					return err
				}
				mustCheckData = false
				continue
			}
			return err
		}
		// The resourceVersion is the revision, never part of the value.
		if err := s.versioner.UpdateObject(ret, 0); err != nil {
			return err
		}
		data, err := runtime.Encode(s.codec, ret)
		if err != nil {
			return err
		}
		if orig.rev != 0 && bytes.Equal(data, orig.data) {
			if mustCheckData { // the suggestion may not be what is stored: look
				if orig, err = getCurrentState(); err != nil {
					return err
				}
				mustCheckData = false
				continue
			}
			// Nothing changed: no write, no new revision, no event.
			return decode(s.codec, s.versioner, orig.data, out, orig.rev)
		}
		rev, ok, cur := s.backend.put(key, data, orig.rev)
		if !ok { // another write came first: retry on it
			if orig, err = s.getState(cur, cur.modRev != 0, key, v, ignoreNotFound); err != nil {
				return err
			}
			continue
		}
		return decode(s.codec, s.versioner, data, out, rev)
	}
}

// objState is an object as read, for GuaranteedUpdate.
type objState struct {
	obj  runtime.Object
	data []byte
	rev  int64
}

func (s *store) getState(kv keyValue, found bool, key string, v reflect.Value, ignoreNotFound bool) (*objState, error) {
	state := &objState{obj: reflect.New(v.Type()).Interface().(runtime.Object)}
	if !found {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		return state, runtime.SetZeroValue(state.obj)
	}
	state.data, state.rev = kv.value, kv.modRev
	return state, decode(s.codec, s.versioner, kv.value, state.obj, kv.modRev)
}

// getStateFromObject is the state of a suggested object: its
// resourceVersion, and its encoding without one.
func (s *store) getStateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %v", err)
	}
	if err := s.versioner.UpdateObject(obj, 0); err != nil {
		return nil, errors.New("resourceVersion cannot be set on objects store in etcd")
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(obj, rv); err != nil {
		return nil, err
	}
	return &objState{obj: obj, data: data, rev: int64(rv)}, nil
}

// GetToList implements storage.Interface.GetToList.
func (s *store) GetToList(ctx context.Context, key string, resourceVersion string, pred storage.SelectionPredicate, listObj runtime.Object) error {
	key = path.Join(s.pathPrefix, key)
	kv, ok, rev := s.backend.get(key)
	var kvs []keyValue
	if ok {
		kvs = []keyValue{kv}
	}
	return s.fillList(kvs, rev, pred, listObj)
}

// List implements storage.Interface.List.
func (s *store) List(ctx context.Context, key, resourceVersion string, pred storage.SelectionPredicate, listObj runtime.Object) error {
	key = path.Join(s.pathPrefix, key)
	// End the key with "/" so that "/a" lists "/a/b" but not "/ab".
	if !strings.HasSuffix(key, "/") {
		key += "/"
	}
	kvs, rev := s.backend.list(key)
	return s.fillList(kvs, rev, pred, listObj)
}

// fillList decodes kvs into listObj's items, keeping those pred selects,
// and stamps the list with the backend's revision rev.
func (s *store) fillList(kvs []keyValue, rev int64, pred storage.SelectionPredicate, listObj runtime.Object) error {
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	items, err := conversion.EnforcePtr(listPtr)
	if err != nil || items.Kind() != reflect.Slice {
		return fmt.Errorf("memory: %T has no slice of items", listObj)
	}
	for _, kv := range kvs {
		obj := reflect.New(items.Type().Elem()).Interface().(runtime.Object)
		if err := decode(s.codec, s.versioner, kv.value, obj, kv.modRev); err != nil {
			return err
		}
		if ok, err := pred.Matches(obj); err != nil {
			return err
		} else if ok {
			items.Set(reflect.Append(items, reflect.ValueOf(obj).Elem()))
		}
	}
	return s.versioner.UpdateList(listObj, uint64(rev))
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
	if recursive && !strings.HasSuffix(key, "/") {
		key += "/"
	}
	return s.startWatch(ctx, key, int64(rev), recursive, pred), nil
}

// decode decodes value into objPtr and sets its resourceVersion to rev.
func decode(codec runtime.Codec, versioner storage.Versioner, value []byte, objPtr runtime.Object, rev int64) error {
	if _, _, err := codec.Decode(value, nil, objPtr); err != nil {
		return storage.NewInternalError(err.Error())
	}
	return versioner.UpdateObject(objPtr, uint64(rev))
}

// checkPreconditions is upstream's: a uid precondition must be obj's uid.
func checkPreconditions(key string, preconditions *storage.Preconditions, obj runtime.Object) error {
	if preconditions == nil || preconditions.UID == nil {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return storage.NewInternalError(fmt.Sprintf("can't enforce preconditions on %T: %v", obj, err))
	}
	if *preconditions.UID != m.GetUID() {
		return storage.NewInvalidObjError(key, fmt.Sprintf(
			"Precondition failed: UID in precondition: %v, UID in object meta: %v", *preconditions.UID, m.GetUID()))
	}
	return nil
}
