package storage

import (
	"context"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// Versioner moves resourceVersions between a backend's revisions and the
// metadata of API objects and lists.
type Versioner interface {
	// UpdateObject sets obj's metadata.resourceVersion to resourceVersion
	// (0 clears it).
	UpdateObject(obj runtime.Object, resourceVersion uint64) error
	// UpdateList sets the list's metadata.resourceVersion.
	UpdateList(obj runtime.Object, resourceVersion uint64) error
	// ObjectResourceVersion returns obj's resourceVersion as a number, 0
	// if it has none, and an error if it is not a number.
	ObjectResourceVersion(obj runtime.Object) (uint64, error)
}

// ResponseMeta is what a backend knows about a stored object besides the
// object itself; it is handed to an [UpdateFunc].
type ResponseMeta struct {
	// ResourceVersion is the revision at which the object was last written.
	ResourceVersion uint64
}

// UpdateFunc computes the object GuaranteedUpdate stores from the current
// one, input, a copy the function may change. Returning an error stops
// the update and is returned by GuaranteedUpdate.
type UpdateFunc func(input runtime.Object, res ResponseMeta) (output runtime.Object, err error)

// Preconditions must hold for an update or a delete to be carried out.
type Preconditions struct {
	// UID, if not nil, must be the stored object's uid.
	UID *types.UID
}

// NewUIDPreconditions returns Preconditions that require uid.
func NewUIDPreconditions(uid string) *Preconditions {
	u := types.UID(uid)
	return &Preconditions{UID: &u}
}

// Interface is what a backend offers the registry: objects of one
// resource, stored under keys, each write moving the backend's revision
// on. Every method is safe for concurrent use. Errors about keys are
// [*StorageError]s; the registry turns them into API Statuses.
type Interface interface {
	// Versioner returns how this backend's revisions are written into
	// objects.
	Versioner() Versioner

	// Create stores obj at key unless the key exists (a KeyExists error).
	// obj must have no resourceVersion. If out is not nil, it is set to
	// what was stored, with its new resourceVersion.
	Create(ctx context.Context, key string, obj, out runtime.Object) error

	// Delete removes the object at key, if preconditions (nil: none)
	// hold, and sets out to it as it was. A missing key is a KeyNotFound
	// error.
	Delete(ctx context.Context, key string, out runtime.Object, preconditions *Preconditions) error

	// Watch watches the one object at key; WatchList watches every object
	// below key. Events for objects p selects are sent on the returned
	// watch.Interface's ResultChan, which is closed after Stop is called
	// or after an ERROR event (upstream's etcd3 backend also closes it when
	// ctx is done; the memory backend leaves that to the caller's Stop). resourceVersion "0" or ""
	// sends the current objects as ADDED events first, then the changes
	// after them; any other sends the changes made after that version,
	// or, if the backend no longer remembers them, one ERROR event whose
	// object is a 410 Status.
	Watch(ctx context.Context, key string, resourceVersion string, p SelectionPredicate) (watch.Interface, error)
	WatchList(ctx context.Context, key string, resourceVersion string, p SelectionPredicate) (watch.Interface, error)

	// Get sets objPtr to the object at key. A missing key is a
	// KeyNotFound error, or, with ignoreNotFound, leaves objPtr zero.
	Get(ctx context.Context, key string, resourceVersion string, objPtr runtime.Object, ignoreNotFound bool) error

	// GetToList sets listObj's items to the object at key, if there is
	// one and p selects it, and its resourceVersion to the backend's.
	GetToList(ctx context.Context, key string, resourceVersion string, p SelectionPredicate, listObj runtime.Object) error

	// List sets listObj's items to the objects below key that p selects,
	// in key order, and its resourceVersion to the backend's.
	List(ctx context.Context, key string, resourceVersion string, p SelectionPredicate, listObj runtime.Object) error

	// GuaranteedUpdate reads the object at key into ptrToType's type,
	// checks preconditions, calls tryUpdate with it, and stores the
	// result unless another write came between the read and the write,
	// in which case it reads again and retries. A missing key is a
	// KeyNotFound error unless ignoreNotFound, when tryUpdate gets a zero
	// object (and the result is created). If the result encodes to what
	// is stored, nothing is written. ptrToType is set to what is stored.
	// suggestion may hold the caller's copy of the current object, to
	// skip the first read.
	GuaranteedUpdate(ctx context.Context, key string, ptrToType runtime.Object, ignoreNotFound bool,
		preconditions *Preconditions, tryUpdate UpdateFunc, suggestion ...runtime.Object) error
}

// Everything selects every object.
var Everything = SelectionPredicate{Label: labels.Everything(), Field: fields.Everything()}
