package registry

import (
	"github.com/kubewalk/kubewalk/server/storage"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The storage errors a client sees, after upstream's pkg/storage/errors:
// each verb turns the backend's StorageErrors into API Statuses.

func interpretListError(err error, qualifiedResource schema.GroupResource) error {
	switch {
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(qualifiedResource, "")
	case storage.IsUnreachable(err):
		return apierrors.NewServerTimeout(qualifiedResource, "list", 2)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}

func interpretGetError(err error, qualifiedResource schema.GroupResource, name string) error {
	switch {
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(qualifiedResource, name)
	case storage.IsUnreachable(err):
		return apierrors.NewServerTimeout(qualifiedResource, "get", 2)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}

func interpretCreateError(err error, qualifiedResource schema.GroupResource, name string) error {
	switch {
	case storage.IsNodeExist(err):
		return apierrors.NewAlreadyExists(qualifiedResource, name)
	case storage.IsUnreachable(err):
		return apierrors.NewServerTimeout(qualifiedResource, "create", 2)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}

func interpretUpdateError(err error, qualifiedResource schema.GroupResource, name string) error {
	switch {
	case storage.IsConflict(err), storage.IsNodeExist(err), storage.IsInvalidObj(err):
		return apierrors.NewConflict(qualifiedResource, name, err)
	case storage.IsUnreachable(err):
		return apierrors.NewServerTimeout(qualifiedResource, "update", 2)
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(qualifiedResource, name)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}

func interpretDeleteError(err error, qualifiedResource schema.GroupResource, name string) error {
	switch {
	case storage.IsNotFound(err):
		return apierrors.NewNotFound(qualifiedResource, name)
	case storage.IsUnreachable(err):
		return apierrors.NewServerTimeout(qualifiedResource, "delete", 2)
	case storage.IsConflict(err), storage.IsNodeExist(err), storage.IsInvalidObj(err):
		return apierrors.NewConflict(qualifiedResource, name, err)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}

func interpretWatchError(err error, resource schema.GroupResource, name string) error {
	var invalid storage.InvalidError
	switch {
	case err == nil:
		return nil
	case storage.IsInvalidError(err):
		invalid, _ = err.(storage.InvalidError)
		return apierrors.NewInvalid(schema.GroupKind{Group: resource.Group, Kind: resource.Resource}, name, invalid.Errs)
	case storage.IsInternalError(err):
		return apierrors.NewInternalError(err)
	}
	return err
}
