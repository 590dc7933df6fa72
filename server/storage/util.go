package storage

import (
	"strconv"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ParseWatchResourceVersion returns the revision a watch asks to start
// after: 0 for "" and "0" (the current state first), or the number. Any
// other string is an InvalidError.
func ParseWatchResourceVersion(resourceVersion string) (uint64, error) {
	if resourceVersion == "" || resourceVersion == "0" {
		return 0, nil
	}
	version, err := strconv.ParseUint(resourceVersion, 10, 64)
	if err != nil {
		return 0, InvalidError{field.ErrorList{
			field.Invalid(field.NewPath("resourceVersion"), resourceVersion, err.Error()),
		}}
	}
	return version, nil
}

// ParseListResourceVersion returns the revision a list or a get asks to
// be at least as new as: 0 for "", or the number. Any other string is an
// InvalidError.
func ParseListResourceVersion(resourceVersion string) (uint64, error) {
	if resourceVersion == "" {
		return 0, nil
	}
	version, err := strconv.ParseUint(resourceVersion, 10, 64)
	if err != nil {
		return 0, InvalidError{field.ErrorList{
			field.Invalid(field.NewPath("resourceVersion"), resourceVersion, err.Error()),
		}}
	}
	return version, nil
}

// APIObjectVersioner is the Versioner of objects with ObjectMeta and
// lists with ListMeta: a revision is written as its decimal string, and
// revision 0 as no resourceVersion at all.
type APIObjectVersioner struct{}

// UpdateObject implements Versioner.
func (APIObjectVersioner) UpdateObject(obj runtime.Object, resourceVersion uint64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	m.SetResourceVersion(formatRV(resourceVersion))
	return nil
}

// UpdateList implements Versioner.
func (APIObjectVersioner) UpdateList(obj runtime.Object, resourceVersion uint64) error {
	m, err := meta.ListAccessor(obj)
	if err != nil {
		return err
	}
	m.SetResourceVersion(formatRV(resourceVersion))
	return nil
}

// ObjectResourceVersion implements Versioner.
func (APIObjectVersioner) ObjectResourceVersion(obj runtime.Object) (uint64, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return 0, err
	}
	if m.GetResourceVersion() == "" {
		return 0, nil
	}
	return strconv.ParseUint(m.GetResourceVersion(), 10, 64)
}

func formatRV(rv uint64) string {
	if rv == 0 {
		return ""
	}
	return strconv.FormatUint(rv, 10)
}
