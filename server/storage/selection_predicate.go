package storage

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// AttrFunc returns the labels and the selectable fields of an object.
type AttrFunc func(obj runtime.Object) (labels.Set, fields.Set, error)

// SelectionPredicate selects objects by their labels and fields, as a
// list or a watch with labelSelector and fieldSelector asks.
type SelectionPredicate struct {
	Label    labels.Selector
	Field    fields.Selector
	GetAttrs AttrFunc // DefaultClusterScopedAttr if nil
}

// Matches reports whether obj's labels and fields match. It fails only
// if the object's attributes cannot be read.
func (s *SelectionPredicate) Matches(obj runtime.Object) (bool, error) {
	if s.Empty() {
		return true, nil
	}
	getAttrs := s.GetAttrs
	if getAttrs == nil {
		getAttrs = DefaultClusterScopedAttr
	}
	l, f, err := getAttrs(obj)
	if err != nil {
		return false, err
	}
	return s.MatchesObjectAttributes(l, f), nil
}

// MatchesObjectAttributes reports whether labels l and fields f, an
// object's, match.
func (s *SelectionPredicate) MatchesObjectAttributes(l labels.Set, f fields.Set) bool {
	return (s.Label == nil || s.Label.Matches(l)) && (s.Field == nil || s.Field.Matches(f))
}

// MatchesSingle returns the name the field selector requires exactly
// (metadata.name=<name>), if it does: then only one key can match.
func (s *SelectionPredicate) MatchesSingle() (string, bool) {
	if s.Field == nil {
		return "", false
	}
	return s.Field.RequiresExactMatch("metadata.name")
}

// Empty reports whether s selects everything.
func (s *SelectionPredicate) Empty() bool {
	return (s.Label == nil || s.Label.Empty()) && (s.Field == nil || s.Field.Empty())
}

// DefaultClusterScopedAttr returns an object's labels and the fields every
// cluster-scoped object has: metadata.name.
func DefaultClusterScopedAttr(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: %T has no metadata: %w", obj, err)
	}
	return m.GetLabels(), fields.Set{"metadata.name": m.GetName()}, nil
}

// DefaultNamespaceScopedAttr returns an object's labels and the fields
// every namespaced object has: metadata.name and metadata.namespace.
func DefaultNamespaceScopedAttr(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("storage: %T has no metadata: %w", obj, err)
	}
	return m.GetLabels(), fields.Set{"metadata.name": m.GetName(), "metadata.namespace": m.GetNamespace()}, nil
}
