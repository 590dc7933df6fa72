package rest

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RESTUpdateStrategy is what a resource adds to the generic update.
type RESTUpdateStrategy interface {
	runtime.ObjectTyper
	// NamespaceScoped reports whether objects live in a namespace.
	NamespaceScoped() bool
	// AllowCreateOnUpdate reports whether a PUT may create the object.
	AllowCreateOnUpdate() bool
	// PrepareForUpdate normalizes obj, which is to replace old, before
	// validation, e.g. keeps fields a client may not change this way.
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	// ValidateUpdate returns what is wrong with replacing old by obj.
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
	// Canonicalize puts a valid object into its canonical form.
	Canonicalize(obj runtime.Object)
	// AllowUnconditionalUpdate reports whether an update without a
	// resourceVersion replaces whatever is stored.
	AllowUnconditionalUpdate() bool
}

// BeforeUpdate does what every update does before obj replaces old, in
// upstream's order: check the namespace, keep old's generation,
// PrepareForUpdate, the generic metadata checks with ValidateUpdate,
// Canonicalize. It returns a 400 BadRequest or 422 Invalid error, or nil.
//
// As v1.7's metadata validation did (RepairMalformedUpdates), it first
// repairs what older clients left out or changed: an empty uid becomes
// old's, creationTimestamp is always old's, and a deletionTimestamp or
// grace period old has is kept.
func BeforeUpdate(strategy RESTUpdateStrategy, ctx context.Context, obj, old runtime.Object) error {
	objectMeta, kind, kerr := objectMetaAndKind(strategy, obj)
	if kerr != nil {
		return kerr
	}
	if strategy.NamespaceScoped() {
		if !ValidNamespace(ctx, objectMeta) {
			return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
	} else {
		objectMeta.SetNamespace(metav1.NamespaceNone)
	}
	oldMeta, err := meta.Accessor(old)
	if err != nil {
		return err
	}
	objectMeta.SetGeneration(oldMeta.GetGeneration())
	strategy.PrepareForUpdate(ctx, obj, old)
	repairMalformedUpdate(objectMeta, oldMeta)

	path := field.NewPath("metadata")
	errs := validation.ValidateObjectMetaAccessor(objectMeta, strategy.NamespaceScoped(), ValidatePathSegmentName, path)
	errs = append(errs, validation.ValidateObjectMetaAccessorUpdate(objectMeta, oldMeta, path)...)
	errs = append(errs, strategy.ValidateUpdate(ctx, obj, old)...)
	if len(errs) > 0 {
		return apierrors.NewInvalid(kind.GroupKind(), objectMeta.GetName(), errs)
	}
	strategy.Canonicalize(obj)
	return nil
}

// repairMalformedUpdate is v1.7's RepairMalformedUpdates, which newer
// apimachinery validation no longer does.
func repairMalformedUpdate(m, old metav1.Object) {
	if len(m.GetUID()) == 0 {
		m.SetUID(old.GetUID())
	}
	if created := old.GetCreationTimestamp(); !created.IsZero() {
		m.SetCreationTimestamp(created)
	}
	if !old.GetDeletionTimestamp().IsZero() {
		m.SetDeletionTimestamp(old.GetDeletionTimestamp())
	}
	if old.GetDeletionGracePeriodSeconds() != nil && m.GetDeletionGracePeriodSeconds() == nil {
		m.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	}
}

// UpdatedObjectInfo gives an update the object to store, computed from
// the one stored now.
type UpdatedObjectInfo interface {
	// Preconditions returns what must hold of the stored object, or nil.
	Preconditions() *metav1.Preconditions
	// UpdatedObject returns the new object for oldObj. It may be called
	// again, with a newer oldObj, when the update is retried.
	UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error)
}

// TransformFunc computes a new object from newObj and the stored oldObj.
type TransformFunc func(ctx context.Context, newObj, oldObj runtime.Object) (runtime.Object, error)

// DefaultUpdatedObjectInfo returns the UpdatedObjectInfo of a PUT of obj
// (nil for a patch, whose transformers build the object): each call hands
// out a fresh copy of obj passed through transformers, and its uid, if it
// has one, is a precondition.
func DefaultUpdatedObjectInfo(obj runtime.Object, transformers ...TransformFunc) UpdatedObjectInfo {
	return &defaultUpdatedObjectInfo{obj, transformers}
}

type defaultUpdatedObjectInfo struct {
	obj          runtime.Object
	transformers []TransformFunc
}

func (i *defaultUpdatedObjectInfo) Preconditions() *metav1.Preconditions {
	if i.obj == nil {
		return nil
	}
	m, err := meta.Accessor(i.obj)
	if err != nil || len(m.GetUID()) == 0 {
		return nil
	}
	uid := m.GetUID()
	return &metav1.Preconditions{UID: &uid}
}

func (i *defaultUpdatedObjectInfo) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	var newObj runtime.Object
	if i.obj != nil {
		newObj = i.obj.DeepCopyObject()
	}
	for _, transform := range i.transformers {
		var err error
		if newObj, err = transform(ctx, newObj, oldObj); err != nil {
			return nil, err
		}
	}
	if newObj == nil {
		return nil, fmt.Errorf("rest: no object to update with")
	}
	return newObj, nil
}
