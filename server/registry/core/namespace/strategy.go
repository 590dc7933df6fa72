package namespace

import (
	"context"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/server/registry/rest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy is the create and update strategy of namespaces.
type Strategy struct {
	runtime.ObjectTyper
	rest.NameGenerator
}

// NewStrategy returns the namespace strategy; typer must know
// *corev1.Namespace.
func NewStrategy(typer runtime.ObjectTyper) Strategy {
	return Strategy{typer, rest.SimpleNameGenerator}
}

// NamespaceScoped is false: namespaces are cluster-scoped.
func (Strategy) NamespaceScoped() bool { return false }

// PrepareForCreate makes every new namespace Active and gives it the
// "kubernetes" finalizer, which the namespace controller removes once a
// deleted namespace is empty.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// PrepareForUpdate keeps the stored finalizers and status: they change
// only through the finalize and status subresources.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ns, oldNs := obj.(*corev1.Namespace), old.(*corev1.Namespace)
	ns.Spec.Finalizers = oldNs.Spec.Finalizers
	ns.Status = oldNs.Status
}

// Validate is upstream's ValidateNamespace: the name is a DNS-1123 label,
// the metadata is valid, and each finalizer is a qualified name.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	ns := obj.(*corev1.Namespace)
	allErrs := validation.ValidateObjectMeta(&ns.ObjectMeta, false, validation.ValidateNamespaceName, field.NewPath("metadata"))
	return append(allErrs, validateFinalizers(ns)...)
}

// ValidateUpdate checks the namespace's own rules again; the generic
// update checks (immutable fields) run in rest.BeforeUpdate.
func (Strategy) ValidateUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	return validateFinalizers(obj.(*corev1.Namespace))
}

// Canonicalize does nothing to namespaces.
func (Strategy) Canonicalize(runtime.Object) {}

// AllowCreateOnUpdate is false: a PUT of a missing namespace is a 404.
func (Strategy) AllowCreateOnUpdate() bool { return false }

// AllowUnconditionalUpdate is true: an update without a resourceVersion
// replaces whatever is stored.
func (Strategy) AllowUnconditionalUpdate() bool { return true }

// validateFinalizers is upstream's validateFinalizerName for each of
// spec.finalizers: a qualified name, and one with a "/" unless it is a
// standard finalizer ("kubernetes").
func validateFinalizers(ns *corev1.Namespace) field.ErrorList {
	var allErrs field.ErrorList
	fldPath := field.NewPath("spec", "finalizers")
	for i, f := range ns.Spec.Finalizers {
		name := string(f)
		errs := validation.ValidateFinalizerName(name, fldPath.Index(i))
		if len(errs) == 0 && !strings.Contains(name, "/") && f != corev1.FinalizerKubernetes {
			errs = append(errs, field.Invalid(fldPath.Index(i), name,
				"name is neither a standard finalizer name nor is it fully qualified"))
		}
		allErrs = append(allErrs, errs...)
	}
	return allErrs
}
