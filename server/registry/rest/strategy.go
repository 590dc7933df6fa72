package rest

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MetadataStrategy is the strategy of a resource that needs nothing of
// its own (ours: upstream gives every resource a strategy of its own). It
// changes nothing, validates only the metadata (which BeforeCreate and
// BeforeUpdate always do), allows updates without a resourceVersion and
// never creates on update.
type MetadataStrategy struct {
	runtime.ObjectTyper
	NameGenerator
	Namespaced bool
}

// NewMetadataStrategy returns the MetadataStrategy of a resource whose
// kinds typer knows, namespaced or not.
func NewMetadataStrategy(typer runtime.ObjectTyper, namespaced bool) MetadataStrategy {
	return MetadataStrategy{ObjectTyper: typer, NameGenerator: SimpleNameGenerator, Namespaced: namespaced}
}

func (s MetadataStrategy) NamespaceScoped() bool                                  { return s.Namespaced }
func (MetadataStrategy) PrepareForCreate(context.Context, runtime.Object)         {}
func (MetadataStrategy) Validate(context.Context, runtime.Object) field.ErrorList { return nil }
func (MetadataStrategy) Canonicalize(runtime.Object)                              {}
func (MetadataStrategy) AllowCreateOnUpdate() bool                                { return false }
func (MetadataStrategy) PrepareForUpdate(_ context.Context, _, _ runtime.Object)  {}
func (MetadataStrategy) AllowUnconditionalUpdate() bool                           { return true }
func (MetadataStrategy) ValidateUpdate(_ context.Context, _, _ runtime.Object) field.ErrorList {
	return nil
}

// UnstructuredObjectTyper knows an object's kind from its own apiVersion
// and kind, as objects without Go types (unstructured) carry them.
var UnstructuredObjectTyper runtime.ObjectTyper = unstructuredTyper{}

type unstructuredTyper struct{}

func (unstructuredTyper) ObjectKinds(obj runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Kind == "" {
		return nil, false, fmt.Errorf("rest: %T has no kind", obj)
	}
	return []schema.GroupVersionKind{gvk}, false, nil
}

func (unstructuredTyper) Recognizes(gvk schema.GroupVersionKind) bool { return true }
