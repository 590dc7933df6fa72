package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/server/storage"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validate/content"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
)

// OptimisticLockErrorMsg is upstream's message for an update of an object
// that changed since the client read it.
const OptimisticLockErrorMsg = "the object has been modified; please apply your changes to the latest version and try again"

// Store is the REST storage of one resource over a storage.Interface:
// create, get, list, update, delete and watch, with the resource's
// strategies applied and storage errors turned into API Statuses. Build
// it with its fields set and call CompleteWithOptions. Its methods are
// safe for concurrent use.
type Store struct {
	// NewFunc and NewListFunc return an empty object and list.
	NewFunc, NewListFunc func() runtime.Object
	// QualifiedResource names the resource in errors: "namespaces".
	QualifiedResource schema.GroupResource

	// KeyRootFunc returns the key below which a request's objects live
	// (the namespace's, for a namespaced resource); KeyFunc the key of
	// one object. CompleteWithOptions sets both.
	KeyRootFunc func(ctx context.Context) string
	KeyFunc     func(ctx context.Context, name string) (string, error)

	// PredicateFunc turns a list's or watch's selectors into a predicate;
	// nil selects with the default attributes (metadata.name, and
	// metadata.namespace when namespaced).
	PredicateFunc func(label labels.Selector, field fields.Selector) storage.SelectionPredicate

	CreateStrategy rest.RESTCreateStrategy
	UpdateStrategy rest.RESTUpdateStrategy

	// WatchCacheSize is the size of the resource's watch cache, when it
	// has one; nil means the default (--default-watch-cache-size's, 100).
	WatchCacheSize *int

	// Storage is where the objects are; CompleteWithOptions sets it, and
	// DestroyFunc, which releases it (v1.7 calls it in tests only).
	Storage     storage.Interface
	DestroyFunc DestroyFunc
}

// CompleteWithOptions checks the Store and fills in its keys (below
// the ResourcePrefix getter gives) and its Storage, made by the getter's
// Decorator, encoded with the getter's codec, or codec if it has none.
// ctx carries the trace kit to the goroutines the storage starts (a watch
// cache's), which outlive it.
func (e *Store) CompleteWithOptions(ctx context.Context, getter RESTOptionsGetter, codec runtime.Codec) error {
	switch {
	case e.QualifiedResource.Empty():
		return errors.New("registry: store must have a non-empty qualified resource")
	case e.NewFunc == nil || e.NewListFunc == nil:
		return fmt.Errorf("registry: store for %s must have NewFunc and NewListFunc set", e.QualifiedResource)
	case e.CreateStrategy == nil || e.UpdateStrategy == nil:
		return fmt.Errorf("registry: store for %s must have CreateStrategy and UpdateStrategy set", e.QualifiedResource)
	}
	opts, err := getter.GetRESTOptions(ctx, e.QualifiedResource)
	if err != nil {
		return err
	}
	prefix := "/" + strings.TrimPrefix(opts.ResourcePrefix, "/")
	if prefix == "/" {
		return fmt.Errorf("registry: store for %s has an invalid prefix %q", e.QualifiedResource, opts.ResourcePrefix)
	}
	isNamespaced := e.CreateStrategy.NamespaceScoped()
	if isNamespaced {
		e.KeyRootFunc = func(ctx context.Context) string { return NamespaceKeyRootFunc(ctx, prefix) }
		e.KeyFunc = func(ctx context.Context, name string) (string, error) { return NamespaceKeyFunc(ctx, prefix, name) }
	} else {
		e.KeyRootFunc = func(context.Context) string { return prefix }
		e.KeyFunc = func(ctx context.Context, name string) (string, error) { return NoNamespaceKeyFunc(ctx, prefix, name) }
	}
	attrs := storage.DefaultClusterScopedAttr
	if isNamespaced {
		attrs = storage.DefaultNamespaceScopedAttr
	}
	if e.PredicateFunc == nil {
		e.PredicateFunc = func(label labels.Selector, field fields.Selector) storage.SelectionPredicate {
			return storage.SelectionPredicate{Label: label, Field: field, GetAttrs: attrs}
		}
	}
	// The watch cache keys an object as a request for it would.
	keyFunc := func(obj runtime.Object) (string, error) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return "", err
		}
		return e.KeyFunc(request.WithNamespace(context.Background(), m.GetNamespace()), m.GetName())
	}
	config := *opts.StorageConfig
	if config.Codec == nil {
		config.Codec = codec
	}
	e.Storage, e.DestroyFunc, err = opts.Decorator(ctx, &config, e.WatchCacheSize, e.NewFunc(), prefix, keyFunc, e.NewListFunc, attrs)
	return err
}

// NamespaceKeyRootFunc is prefix, or prefix/<namespace> when ctx carries
// a namespace.
func NamespaceKeyRootFunc(ctx context.Context, prefix string) string {
	if ns, ok := request.NamespaceFrom(ctx); ok && len(ns) > 0 {
		return prefix + "/" + ns
	}
	return prefix
}

// NamespaceKeyFunc is prefix/<namespace>/<name>; a missing namespace or
// name, or a name that is not a path segment, is a 400 BadRequest.
func NamespaceKeyFunc(ctx context.Context, prefix string, name string) (string, error) {
	if ns, ok := request.NamespaceFrom(ctx); !ok || len(ns) == 0 {
		return "", apierrors.NewBadRequest("Namespace parameter required.")
	}
	return NoNamespaceKeyFunc(ctx, NamespaceKeyRootFunc(ctx, prefix), name)
}

// NoNamespaceKeyFunc is prefix/<name>, checked as NamespaceKeyFunc does.
func NoNamespaceKeyFunc(ctx context.Context, prefix string, name string) (string, error) {
	if len(name) == 0 {
		return "", apierrors.NewBadRequest("Name parameter required.")
	}
	if msgs := content.IsPathSegmentName(name); len(msgs) != 0 {
		return "", apierrors.NewBadRequest(fmt.Sprintf("Name parameter invalid: %q: %s", name, strings.Join(msgs, ";")))
	}
	return prefix + "/" + name, nil
}

// New returns an empty object of the resource.
func (e *Store) New() runtime.Object { return e.NewFunc() }

// NewList returns an empty list of the resource.
func (e *Store) NewList() runtime.Object { return e.NewListFunc() }

// List returns the objects the options' selectors select.
func (e *Store) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	p := e.predicate(options)
	list := e.NewListFunc()
	rv := ""
	if options != nil {
		rv = options.ResourceVersion
	}
	if name, ok := p.MatchesSingle(); ok {
		if key, err := e.KeyFunc(ctx, name); err == nil {
			err := e.Storage.GetToList(ctx, key, rv, p, list)
			return list, interpretListError(err, e.QualifiedResource)
		}
	}
	err := e.Storage.List(ctx, e.KeyRootFunc(ctx), rv, p, list)
	return list, interpretListError(err, e.QualifiedResource)
}

// Create stores a new object, after BeforeCreate, and returns it as
// stored. A taken name is a 409 AlreadyExists (a 504 if the name was
// generated, as upstream asks the client to try again).
func (e *Store) Create(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
	if err := rest.BeforeCreate(e.CreateStrategy, ctx, obj); err != nil {
		return nil, err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	key, err := e.KeyFunc(ctx, m.GetName())
	if err != nil {
		return nil, err
	}
	out := e.NewFunc()
	if err := e.Storage.Create(ctx, key, obj, out); err != nil {
		err = interpretCreateError(err, e.QualifiedResource, m.GetName())
		return nil, checkGeneratedNameError(e.CreateStrategy, err, obj)
	}
	return out, nil
}

// Get returns the object called name.
func (e *Store) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	key, err := e.KeyFunc(ctx, name)
	if err != nil {
		return nil, err
	}
	obj := e.NewFunc()
	if err := e.Storage.Get(ctx, key, options.ResourceVersion, obj, false); err != nil {
		return nil, interpretGetError(err, e.QualifiedResource, name)
	}
	return obj, nil
}

// Update replaces the object called name with the one objInfo computes
// from it, in one GuaranteedUpdate, and returns it as stored and whether
// it was created: an update of an object not stored creates it, through
// the create strategy, when the update strategy's AllowCreateOnUpdate
// says so, and is a 404 otherwise. An update
// naming a resourceVersion other than the stored one is a 409 Conflict;
// one naming none updates whatever is stored if the strategy allows it,
// and is a 422 otherwise.
func (e *Store) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo) (runtime.Object, bool, error) {
	key, err := e.KeyFunc(ctx, name)
	if err != nil {
		return nil, false, err
	}
	var preconditions storage.Preconditions
	if p := objInfo.Preconditions(); p != nil {
		preconditions.UID = p.UID
	}
	out := e.NewFunc()
	versioner := e.Storage.Versioner()
	creating := false
	err = e.Storage.GuaranteedUpdate(ctx, key, out, true, &preconditions,
		func(existing runtime.Object, res storage.ResponseMeta) (runtime.Object, error) {
			obj, err := objInfo.UpdatedObject(ctx, existing)
			if err != nil {
				return nil, err
			}
			creating = false
			if res.ResourceVersion == 0 { // nothing stored: create, if the strategy allows it
				if !e.UpdateStrategy.AllowCreateOnUpdate() {
					return nil, apierrors.NewNotFound(e.QualifiedResource, name)
				}
				creating = true
				if err := rest.BeforeCreate(e.CreateStrategy, ctx, obj); err != nil {
					return nil, err
				}
				return obj, nil
			}
			newVersion, err := versioner.ObjectResourceVersion(obj)
			if err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
			switch {
			case newVersion == 0 && e.UpdateStrategy.AllowUnconditionalUpdate():
				if err := versioner.UpdateObject(obj, res.ResourceVersion); err != nil {
					return nil, err
				}
			case newVersion == 0:
				qualifiedKind := schema.GroupKind{Group: e.QualifiedResource.Group, Kind: e.QualifiedResource.Resource}
				return nil, apierrors.NewInvalid(qualifiedKind, name, field.ErrorList{field.Invalid(
					field.NewPath("metadata").Child("resourceVersion"), newVersion, "must be specified for an update")})
			case newVersion != res.ResourceVersion:
				return nil, apierrors.NewConflict(e.QualifiedResource, name, errors.New(OptimisticLockErrorMsg))
			}
			if err := rest.BeforeUpdate(e.UpdateStrategy, ctx, obj, existing); err != nil {
				return nil, err
			}
			return obj, nil
		})
	if err != nil {
		if creating {
			return nil, false, interpretCreateError(err, e.QualifiedResource, name)
		}
		return nil, false, interpretUpdateError(err, e.QualifiedResource, name)
	}
	return out, creating, nil
}

// Delete removes the object called name at once and returns it as it
// was; options' uid precondition, if any, must hold (a 409 Conflict
// otherwise).
func (e *Store) Delete(ctx context.Context, name string, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	key, err := e.KeyFunc(ctx, name)
	if err != nil {
		return nil, false, err
	}
	var preconditions storage.Preconditions
	if options != nil && options.Preconditions != nil {
		preconditions.UID = options.Preconditions.UID
	}
	out := e.NewFunc()
	if err := e.Storage.Delete(ctx, key, out, &preconditions); err != nil {
		return nil, false, interpretDeleteError(err, e.QualifiedResource, name)
	}
	return out, true, nil
}

// Watch starts a watch of the objects the options' selectors select, from
// the options' resourceVersion. It ends as the storage's watch does: when
// ctx is done, or the caller calls Stop.
func (e *Store) Watch(ctx context.Context, options *metainternalversion.ListOptions) (watch.Interface, error) {
	p := e.predicate(options)
	rv := ""
	if options != nil {
		rv = options.ResourceVersion
	}
	return e.WatchPredicate(ctx, p, rv)
}

// WatchPredicate starts a watch of the objects p selects: of one key when
// p asks for a single name, of the request's collection otherwise.
func (e *Store) WatchPredicate(ctx context.Context, p storage.SelectionPredicate, resourceVersion string) (watch.Interface, error) {
	if name, ok := p.MatchesSingle(); ok {
		if key, err := e.KeyFunc(ctx, name); err == nil {
			w, err := e.Storage.Watch(ctx, key, resourceVersion, p)
			return w, interpretWatchError(err, e.QualifiedResource, name)
		}
	}
	w, err := e.Storage.WatchList(ctx, e.KeyRootFunc(ctx), resourceVersion, p)
	return w, interpretWatchError(err, e.QualifiedResource, "")
}

// predicate is the predicate of options' selectors.
func (e *Store) predicate(options *metainternalversion.ListOptions) storage.SelectionPredicate {
	label, field := labels.Everything(), fields.Everything()
	if options != nil && options.LabelSelector != nil {
		label = options.LabelSelector
	}
	if options != nil && options.FieldSelector != nil {
		field = options.FieldSelector
	}
	return e.PredicateFunc(label, field)
}

// checkGeneratedNameError turns AlreadyExists for a generated name into
// a 504 ServerTimeout, which asks the client to retry.
func checkGeneratedNameError(strategy rest.RESTCreateStrategy, err error, obj runtime.Object) error {
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	m, merr := meta.Accessor(obj)
	if merr != nil || len(m.GetGenerateName()) == 0 {
		return err
	}
	kinds, _, kerr := strategy.ObjectKinds(obj)
	if kerr != nil {
		return err
	}
	return apierrors.NewServerTimeoutForKind(kinds[0].GroupKind(), "POST", 0)
}
