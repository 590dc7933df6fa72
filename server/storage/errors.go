package storage

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The codes of a [StorageError], as upstream numbers them.
const (
	ErrCodeKeyNotFound int = iota + 1
	ErrCodeKeyExists
	ErrCodeResourceVersionConflicts
	ErrCodeInvalidObj
	ErrCodeUnreachable
)

var errCodeToMessage = map[int]string{
	ErrCodeKeyNotFound:              "key not found",
	ErrCodeKeyExists:                "key exists",
	ErrCodeResourceVersionConflicts: "resource version conflicts",
	ErrCodeInvalidObj:               "invalid object",
	ErrCodeUnreachable:              "server unreachable",
}

// StorageError is a backend's error about a key. The registry turns it
// into the API Status a client sees (NotFound, AlreadyExists, Conflict…).
type StorageError struct {
	Code               int
	Key                string
	ResourceVersion    int64
	AdditionalErrorMsg string
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("StorageError: %s, Code: %d, Key: %s, ResourceVersion: %d, AdditionalErrorMsg: %s",
		errCodeToMessage[e.Code], e.Code, e.Key, e.ResourceVersion, e.AdditionalErrorMsg)
}

// NewKeyNotFoundError says there is nothing at key.
func NewKeyNotFoundError(key string, rv int64) *StorageError {
	return &StorageError{Code: ErrCodeKeyNotFound, Key: key, ResourceVersion: rv}
}

// NewKeyExistsError says key is taken.
func NewKeyExistsError(key string, rv int64) *StorageError {
	return &StorageError{Code: ErrCodeKeyExists, Key: key, ResourceVersion: rv}
}

// NewResourceVersionConflictsError says key changed since rv.
func NewResourceVersionConflictsError(key string, rv int64) *StorageError {
	return &StorageError{Code: ErrCodeResourceVersionConflicts, Key: key, ResourceVersion: rv}
}

// NewUnreachableError says the backend could not be reached.
func NewUnreachableError(key string, rv int64) *StorageError {
	return &StorageError{Code: ErrCodeUnreachable, Key: key, ResourceVersion: rv}
}

// NewInvalidObjError says the object at key fails a precondition.
func NewInvalidObjError(key, msg string) *StorageError {
	return &StorageError{Code: ErrCodeInvalidObj, Key: key, AdditionalErrorMsg: msg}
}

// IsNotFound reports whether err is a KeyNotFound StorageError.
func IsNotFound(err error) bool { return isErrCode(err, ErrCodeKeyNotFound) }

// IsNodeExist reports whether err is a KeyExists StorageError.
func IsNodeExist(err error) bool { return isErrCode(err, ErrCodeKeyExists) }

// IsUnreachable reports whether err is an Unreachable StorageError.
func IsUnreachable(err error) bool { return isErrCode(err, ErrCodeUnreachable) }

// IsConflict reports whether err is a ResourceVersionConflicts StorageError.
func IsConflict(err error) bool { return isErrCode(err, ErrCodeResourceVersionConflicts) }

// IsInvalidObj reports whether err is an InvalidObj StorageError.
func IsInvalidObj(err error) bool { return isErrCode(err, ErrCodeInvalidObj) }

func isErrCode(err error, code int) bool {
	var e *StorageError
	return errors.As(err, &e) && e.Code == code
}

// InvalidError says a request to the backend was malformed, such as a
// resourceVersion that is not a number.
type InvalidError struct {
	Errs field.ErrorList
}

func (e InvalidError) Error() string { return e.Errs.ToAggregate().Error() }

// IsInvalidError reports whether err is an InvalidError.
func IsInvalidError(err error) bool {
	var e InvalidError
	return errors.As(err, &e)
}

// InternalError is a failure inside the storage layer rather than in the
// backend, such as an object that cannot be decoded.
type InternalError struct {
	Reason string
}

func (e InternalError) Error() string { return e.Reason }

// IsInternalError reports whether err is an InternalError.
func IsInternalError(err error) bool {
	var e InternalError
	return errors.As(err, &e)
}

// NewInternalError returns an InternalError with reason.
func NewInternalError(reason string) InternalError { return InternalError{reason} }
