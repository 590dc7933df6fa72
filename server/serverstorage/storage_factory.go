package serverstorage

import (
	"context"
	"strings"

	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/trace"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// StorageFactory says where and how each resource is stored.
type StorageFactory interface {
	// NewConfig returns the storage config of resource: its servers,
	// prefix and codec. ctx carries the trace kit.
	NewConfig(ctx context.Context, groupResource schema.GroupResource) (*storagebackend.Config, error)
	// ResourcePrefix returns the key prefix of resource's objects below
	// --etcd-prefix.
	ResourcePrefix(groupResource schema.GroupResource) string
}

// AllResources, as the resource of an override, makes it apply to every
// resource of its group.
const AllResources = "*"

// specialDefaultResourcePrefixes are the resources whose keys are not
// their names: history, kept so that etcd written by older releases is
// still read. v1.7's table.
var specialDefaultResourcePrefixes = map[schema.GroupResource]string{
	{Group: "", Resource: "replicationControllers"}:        "controllers",
	{Group: "", Resource: "replicationcontrollers"}:        "controllers",
	{Group: "", Resource: "endpoints"}:                     "services/endpoints",
	{Group: "", Resource: "nodes"}:                         "minions",
	{Group: "", Resource: "services"}:                      "services/specs",
	{Group: "extensions", Resource: "ingresses"}:           "ingress",
	{Group: "extensions", Resource: "podsecuritypolicies"}: "podsecuritypolicy",
}

// DefaultStorageFactory stores every resource with StorageConfig, in
// DefaultMediaType through DefaultSerializer, unless an override says
// otherwise for the resource or its group.
type DefaultStorageFactory struct {
	// StorageConfig is the config every resource starts from.
	StorageConfig storagebackend.Config
	// Overrides are the per-resource (or per-group, resource "*") changes.
	Overrides map[schema.GroupResource]groupResourceOverrides
	// DefaultResourcePrefixes are the key prefixes that are not the
	// resource's name.
	DefaultResourcePrefixes map[schema.GroupResource]string
	// DefaultMediaType is the encoding in storage: --storage-media-type.
	DefaultMediaType string
	// DefaultSerializer encodes and decodes every media type.
	DefaultSerializer runtime.StorageSerializer
	// ResourceEncodingConfig gives each resource's storage version.
	ResourceEncodingConfig ResourceEncodingConfig
}

// groupResourceOverrides is what an override changes.
type groupResourceOverrides struct {
	// etcdLocation, if set, replaces the etcd servers.
	etcdLocation []string
}

// NewDefaultStorageFactory returns a factory of config, in
// defaultMediaType (JSON if empty) through defaultSerializer, at the
// versions resourceEncodingConfig gives.
func NewDefaultStorageFactory(config storagebackend.Config, defaultMediaType string, defaultSerializer runtime.StorageSerializer,
	resourceEncodingConfig ResourceEncodingConfig) *DefaultStorageFactory {
	if len(defaultMediaType) == 0 {
		defaultMediaType = runtime.ContentTypeJSON
	}
	return &DefaultStorageFactory{
		StorageConfig:           config,
		Overrides:               map[schema.GroupResource]groupResourceOverrides{},
		DefaultResourcePrefixes: specialDefaultResourcePrefixes,
		DefaultMediaType:        defaultMediaType,
		DefaultSerializer:       defaultSerializer,
		ResourceEncodingConfig:  resourceEncodingConfig,
	}
}

// SetEtcdLocation stores groupResource (or its whole group, if its
// resource is "*") on location, etcd servers of their own.
func (s *DefaultStorageFactory) SetEtcdLocation(groupResource schema.GroupResource, location []string) {
	overrides := s.Overrides[groupResource]
	overrides.etcdLocation = location
	s.Overrides[groupResource] = overrides
}

// NewConfig implements StorageFactory: StorageConfig, with the group's
// override then the resource's applied, and the resource's codec.
func (s *DefaultStorageFactory) NewConfig(ctx context.Context, groupResource schema.GroupResource) (*storagebackend.Config, error) {
	storageConfig := s.StorageConfig // a copy
	for _, gr := range []schema.GroupResource{{Group: groupResource.Group, Resource: AllResources}, groupResource} {
		if override, ok := s.Overrides[gr]; ok && len(override.etcdLocation) > 0 {
			storageConfig.ServerList = override.etcdLocation
		}
	}
	codecConfig := StorageCodecConfig{
		StorageMediaType:  s.DefaultMediaType,
		StorageSerializer: s.DefaultSerializer,
	}
	var err error
	if codecConfig.StorageVersion, err = s.ResourceEncodingConfig.StorageEncodingFor(groupResource); err != nil {
		return nil, err
	}
	codecConfig.MemoryVersion = codecConfig.StorageVersion // no internal version here
	codecConfig.Config = storageConfig
	if storageConfig.Codec, err = NewStorageCodec(codecConfig); err != nil {
		return nil, err
	}
	trace.Log(ctx).Debug().Msgf("storing %v in %v, reading as %v from %v", groupResource,
		codecConfig.StorageVersion, codecConfig.MemoryVersion, servers(storageConfig))
	return &storageConfig, nil
}

// servers names where a config stores.
func servers(c storagebackend.Config) string {
	if len(c.ServerList) == 0 {
		return "memory"
	}
	return strings.Join(c.ServerList, ",")
}

// ResourcePrefix implements StorageFactory: the special prefix of the
// resource if it has one, else its name in lower case. The group is not
// part of it.
func (s *DefaultStorageFactory) ResourcePrefix(groupResource schema.GroupResource) string {
	if prefix := s.DefaultResourcePrefixes[groupResource]; len(prefix) > 0 {
		return prefix
	}
	return strings.ToLower(groupResource.Resource)
}
