package rest

import (
	"context"

	"github.com/kubewalk/kubewalk/server/request"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RESTCreateStrategy is what a resource adds to the generic create:
// whether it is namespaced, what it does to a new object before
// validation, and how it validates it.
type RESTCreateStrategy interface {
	runtime.ObjectTyper
	NameGenerator
	// NamespaceScoped reports whether objects live in a namespace.
	NamespaceScoped() bool
	// PrepareForCreate normalizes a new object before it is validated,
	// e.g. clears the status a client may not set.
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	// Validate returns what is wrong with a new object; it does not
	// change it. The generic metadata checks run after it.
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	// Canonicalize puts a valid object into its canonical form.
	Canonicalize(obj runtime.Object)
}

// NameGenerator makes a name from an object's metadata.generateName.
type NameGenerator interface {
	GenerateName(base string) string
}

// SimpleNameGenerator is upstream's names.SimpleNameGenerator: base, cut
// short enough to leave a 63-character name, and five random characters.
var SimpleNameGenerator NameGenerator = simpleNameGenerator{}

type simpleNameGenerator struct{}

func (simpleNameGenerator) GenerateName(base string) string {
	const maxNameLength, randomLength = 63, 5
	if len(base) > maxNameLength-randomLength {
		base = base[:maxNameLength-randomLength]
	}
	return base + utilrand.String(randomLength)
}

// BeforeCreate does what every create does before an object is stored,
// in upstream's order: check the namespace against the request's, clear
// the fields a client may not set, PrepareForCreate, fill in the system
// fields, name the object from generateName, Validate, the generic
// metadata checks, Canonicalize. It returns a 400 BadRequest or a 422
// Invalid error whose causes name the fields, or nil.
func BeforeCreate(strategy RESTCreateStrategy, ctx context.Context, obj runtime.Object) error {
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
	objectMeta.SetDeletionTimestamp(nil)
	objectMeta.SetDeletionGracePeriodSeconds(nil)
	strategy.PrepareForCreate(ctx, obj)
	FillObjectMetaSystemFields(objectMeta)
	if len(objectMeta.GetGenerateName()) > 0 && len(objectMeta.GetName()) == 0 {
		objectMeta.SetName(strategy.GenerateName(objectMeta.GetGenerateName()))
	}
	// ours: upstream's storage refuses a create with a resourceVersion
	// (a 500); we drop it.
	objectMeta.SetResourceVersion("")

	if errs := strategy.Validate(ctx, obj); len(errs) > 0 {
		return apierrors.NewInvalid(kind.GroupKind(), objectMeta.GetName(), errs)
	}
	// The generic checks run after the resource's own, so that its more
	// specific messages are the ones shown.
	if errs := validation.ValidateObjectMetaAccessor(objectMeta, strategy.NamespaceScoped(),
		ValidatePathSegmentName, field.NewPath("metadata")); len(errs) > 0 {
		return apierrors.NewInvalid(kind.GroupKind(), objectMeta.GetName(), errs)
	}
	strategy.Canonicalize(obj)
	return nil
}

// ValidatePathSegmentName is the name rule v1.7 applies to every
// resource: a name must be usable as one URL path segment (not "." or
// "..", no "/" or "%"). Resources add stricter rules in Validate.
func ValidatePathSegmentName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// FillObjectMetaSystemFields sets what the system owns in a new object's
// metadata: creationTimestamp, uid, and an empty selfLink.
func FillObjectMetaSystemFields(m metav1.Object) {
	m.SetCreationTimestamp(metav1.Now())
	m.SetUID(uuid.NewUUID())
	m.SetSelfLink("")
}

// ValidNamespace gives m the request's namespace if it has none, and
// reports whether the two agree.
func ValidNamespace(ctx context.Context, m metav1.Object) bool {
	ns, ok := request.NamespaceFrom(ctx)
	if len(m.GetNamespace()) == 0 {
		m.SetNamespace(ns)
	}
	return ns == m.GetNamespace() && ok
}

// objectMetaAndKind returns obj's metadata and its kind as typer knows it.
func objectMetaAndKind(typer runtime.ObjectTyper, obj runtime.Object) (metav1.Object, schema.GroupVersionKind, error) {
	objectMeta, err := meta.Accessor(obj)
	if err != nil {
		return nil, schema.GroupVersionKind{}, apierrors.NewInternalError(err)
	}
	kinds, _, err := typer.ObjectKinds(obj)
	if err != nil {
		return nil, schema.GroupVersionKind{}, apierrors.NewInternalError(err)
	}
	return objectMeta, kinds[0], nil
}
