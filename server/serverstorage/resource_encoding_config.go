package serverstorage

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ResourceEncodingConfig gives the version each resource is stored in.
type ResourceEncodingConfig interface {
	// StorageEncodingFor returns the version resource is stored in.
	StorageEncodingFor(resource schema.GroupResource) (schema.GroupVersion, error)
}

// DefaultResourceEncodingConfig stores each group in the version set for
// it with SetVersionEncoding: its preferred version.
type DefaultResourceEncodingConfig struct {
	groups map[string]schema.GroupVersion
}

// NewDefaultResourceEncodingConfig returns a config without groups.
func NewDefaultResourceEncodingConfig() *DefaultResourceEncodingConfig {
	return &DefaultResourceEncodingConfig{groups: map[string]schema.GroupVersion{}}
}

// SetVersionEncoding stores every resource of group at version.
func (o *DefaultResourceEncodingConfig) SetVersionEncoding(group string, version schema.GroupVersion) {
	o.groups[group] = version
}

// StorageEncodingFor implements ResourceEncodingConfig.
func (o *DefaultResourceEncodingConfig) StorageEncodingFor(resource schema.GroupResource) (schema.GroupVersion, error) {
	version, ok := o.groups[resource.Group]
	if !ok {
		return schema.GroupVersion{}, fmt.Errorf("group %q is not registered: no storage version for %v", resource.Group, resource)
	}
	return version, nil
}
