package endpoints

import (
	"errors"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// What every create and update does to an object's metadata before it is
// stored, after upstream's rest.BeforeCreate and rest.BeforeUpdate
// (k8s.io/apiserver/pkg/registry/rest), and the one strategy we need.

// optimisticLockErrorMsg is upstream's message for an update of an object
// that changed since the client read it.
const optimisticLockErrorMsg = "the object has been modified; please apply your changes to the latest version and try again"

// PrepareNamespaceForCreate is the PrepareForCreate of namespaces, after
// upstream's namespace strategy: every new namespace is Active and carries
// the "kubernetes" finalizer in spec.finalizers, which upstream's
// namespace controller removes once a deleted namespace is empty. Objects
// that are not a *corev1.Namespace are left alone.
func PrepareNamespaceForCreate(obj runtime.Object) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return
	}
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// PrepareNamespaceForUpdate is the PrepareForUpdate of namespaces, after
// upstream's namespace strategy: an update keeps the stored namespace's
// spec.finalizers and status, which upstream changes only through the
// finalize and status subresources (we serve neither). Objects that are
// not both a *corev1.Namespace are left alone.
func PrepareNamespaceForUpdate(obj, old runtime.Object) {
	ns, ok := obj.(*corev1.Namespace)
	oldNs, oldOk := old.(*corev1.Namespace)
	if !ok || !oldOk {
		return
	}
	ns.Spec.Finalizers = oldNs.Spec.Finalizers
	ns.Status = oldNs.Status
}

// beforeCreate fills in the system fields of a new object (name from
// generateName, uid, creationTimestamp), clears those a client may not
// set (deletionTimestamp, deletionGracePeriodSeconds, selfLink,
// resourceVersion), runs the resource's PrepareForCreate and validates
// the metadata, in upstream's order. It returns the object's metadata, or
// a 400 or 422 Invalid error.
func (s *requestScope) beforeCreate(obj runtime.Object, namespace string) (metav1.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	if err := s.checkNamespace(m, namespace); err != nil {
		return nil, err
	}
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	if s.PrepareForCreate != nil {
		s.PrepareForCreate(obj)
	}
	// upstream: rest.FillObjectMetaSystemFields. The timestamp is cut to
	// whole seconds, the precision of its JSON and protobuf forms (upstream
	// gets the same by storing the object serialized), so that an update
	// sending back what a read returned does not change it.
	m.SetCreationTimestamp(metav1.Now().Rfc3339Copy())
	m.SetUID(uuid.NewUUID())
	m.SetSelfLink("")
	// Upstream's etcd storage refuses a create with a resourceVersion (a
	// 500); we drop it, and the store sets its own.
	m.SetResourceVersion("")
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(generateName(m.GetGenerateName()))
	}
	errs := validation.ValidateObjectMetaAccessor(m, s.Namespaced, validatePathSegmentName,
		field.NewPath("metadata"))
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(s.kind.GroupKind(), m.GetName(), errs)
	}
	return m, nil
}

// beforeUpdate prepares obj to replace old. An empty resourceVersion
// updates whatever is stored (all our resources allow unconditional
// updates); any other must be old's, or the update is a 409 Conflict. uid
// and creationTimestamp are kept from old if obj leaves them empty, and
// may not change; generation is old's. Then the resource's
// PrepareForUpdate runs and the metadata is validated, in upstream's
// order (rest.BeforeUpdate).
func (s *requestScope) beforeUpdate(obj, old runtime.Object, namespace string) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	oldMeta, err := meta.Accessor(old)
	if err != nil {
		return err
	}
	switch rv := m.GetResourceVersion(); rv {
	case "":
		m.SetResourceVersion(oldMeta.GetResourceVersion())
	case oldMeta.GetResourceVersion():
	default:
		return apierrors.NewConflict(s.resource(), m.GetName(), errors.New(optimisticLockErrorMsg))
	}
	if err := s.checkNamespace(m, namespace); err != nil {
		return err
	}
	m.SetGeneration(oldMeta.GetGeneration())
	if s.PrepareForUpdate != nil {
		s.PrepareForUpdate(obj, old)
	}
	if m.GetUID() == "" {
		m.SetUID(oldMeta.GetUID())
	}
	if created := m.GetCreationTimestamp(); created.IsZero() {
		m.SetCreationTimestamp(oldMeta.GetCreationTimestamp())
	}
	path := field.NewPath("metadata")
	errs := validation.ValidateObjectMetaAccessor(m, s.Namespaced, validatePathSegmentName, path)
	errs = append(errs, validation.ValidateObjectMetaAccessorUpdate(m, oldMeta, path)...)
	if len(errs) > 0 {
		return apierrors.NewInvalid(s.kind.GroupKind(), m.GetName(), errs)
	}
	return nil
}

// checkNamespace gives m the request's namespace, which m may repeat but
// not contradict (upstream: rest.ValidNamespace). Cluster-scoped objects
// have no namespace, whatever the body says.
func (s *requestScope) checkNamespace(m metav1.Object, namespace string) error {
	if !s.Namespaced {
		m.SetNamespace("")
		return nil
	}
	if m.GetNamespace() == "" {
		m.SetNamespace(namespace)
	}
	if m.GetNamespace() != namespace {
		return apierrors.NewBadRequest(
			"the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}

// validatePathSegmentName is the name rule v1.7 applies to every
// resource: a name must be usable as one URL path segment (not "." or
// "..", no "/" or "%"). Upstream's strategies add stricter rules per type.
func validatePathSegmentName(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// generateName is upstream's names.SimpleNameGenerator: base, cut short
// enough to leave a 63-character name, and five random characters.
func generateName(base string) string {
	const maxNameLength, randomLength = 63, 5
	if len(base) > maxNameLength-randomLength {
		base = base[:maxNameLength-randomLength]
	}
	return base + utilrand.String(randomLength)
}
