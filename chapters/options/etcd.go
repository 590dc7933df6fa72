package options

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/serverstorage"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/preflight"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"github.com/kubewalk/kubewalk/trace/lang"
	"github.com/spf13/pflag"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DefaultEtcdPathPrefix is where kube-apiserver keeps its objects in
// etcd (--etcd-prefix).
const DefaultEtcdPathPrefix = "/registry"

// EtcdOptions say where objects are stored and how: the etcd servers
// (none: the walkthrough's in-memory backend), the key prefix, the media
// type, and whether a watch cache serves watches.
type EtcdOptions struct {
	StorageConfig storagebackend.Config
	// EtcdServersOverrides are group/resource#servers: resources stored on
	// etcd servers of their own.
	EtcdServersOverrides []string
	// DefaultStorageMediaType is the media type objects are written in.
	DefaultStorageMediaType string
	// EnableWatchCache puts a watch cache (a Cacher) in front of every
	// resource's storage.
	EnableWatchCache bool
	// DefaultWatchCacheSize is the size of a watch cache when nothing
	// else says (v1.7: 100; the flag came in v1.8).
	DefaultWatchCacheSize int
}

// NewEtcdOptions returns the generic server's defaults on backendConfig:
// JSON, and a watch cache of 100 changes per resource.
func NewEtcdOptions(backendConfig *storagebackend.Config) *EtcdOptions {
	return &EtcdOptions{
		StorageConfig:           *backendConfig,
		DefaultStorageMediaType: "application/json",
		EnableWatchCache:        true,
		DefaultWatchCacheSize:   100,
	}
}

// AddFlags adds the etcd flags to fs.
func (s *EtcdOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVar(&s.EtcdServersOverrides, "etcd-servers-overrides", s.EtcdServersOverrides,
		"Per-resource etcd servers, comma separated, each group/resource#servers, the servers http://ip:port separated by semicolons (core group: /resource).")
	fs.StringVar(&s.DefaultStorageMediaType, "storage-media-type", s.DefaultStorageMediaType,
		"The media type objects are stored in. CustomResourceDefinitions and APIServices are always stored as JSON.")
	fs.BoolVar(&s.EnableWatchCache, "watch-cache", s.EnableWatchCache,
		"Serve watches from a watch cache per resource, fed by one watch of the storage.")
	fs.StringVar(&s.StorageConfig.Type, "storage-backend", s.StorageConfig.Type,
		"The storage backend: 'etcd3' (the default; etcd2 is not supported by the walkthrough).")
	fs.StringSliceVar(&s.StorageConfig.ServerList, "etcd-servers", s.StorageConfig.ServerList,
		"etcd servers to connect to, as scheme://ip:port, comma separated (empty: keep objects in memory, the walkthrough's own backend).")
	fs.StringVar(&s.StorageConfig.Prefix, "etcd-prefix", s.StorageConfig.Prefix,
		"The prefix of every key in etcd.")
	fs.StringVar(&s.StorageConfig.KeyFile, "etcd-keyfile", s.StorageConfig.KeyFile,
		"The key of the client certificate presented to etcd.")
	fs.StringVar(&s.StorageConfig.CertFile, "etcd-certfile", s.StorageConfig.CertFile,
		"The client certificate presented to etcd.")
	fs.StringVar(&s.StorageConfig.CAFile, "etcd-cafile", s.StorageConfig.CAFile,
		"The CA that etcd's serving certificate must be signed by.")
	fs.BoolVar(&s.StorageConfig.Quorum, "etcd-quorum-read", s.StorageConfig.Quorum,
		"Read through etcd's quorum (otherwise a get may read a member's own, possibly older, copy).")
}

// validate checks the etcd options: the servers' URLs, the backend, the
// TLS files, the overrides. Upstream requires --etcd-servers; the
// walkthrough keeps objects in memory without it.
func (s *EtcdOptions) validate(add addFunc) {
	c := s.StorageConfig
	for _, server := range c.ServerList {
		if !validEtcdURL(server) {
			add("etcd-servers", server, errEtcdURL)
		}
	}
	switch c.Type {
	case storagebackend.StorageTypeUnset, storagebackend.StorageTypeETCD3:
	default:
		add("storage-backend", c.Type, lang.Errorf("must be 'etcd3' (or empty, which means etcd3): the walkthrough does not speak etcd2"))
	}
	if c.Prefix == "" {
		add("etcd-prefix", `""`, lang.Errorf("must not be empty: %s is kube-apiserver's", DefaultEtcdPathPrefix))
	}
	if c.CertFile != "" || c.KeyFile != "" || c.CAFile != "" {
		tlsInfo := transport.TLSInfo{CertFile: c.CertFile, KeyFile: c.KeyFile, TrustedCAFile: c.CAFile}
		if len(c.ServerList) == 0 {
			add("etcd-certfile", c.CertFile, lang.Errorf("--etcd-certfile, --etcd-keyfile and --etcd-cafile need --etcd-servers"))
		} else if (c.CertFile == "") != (c.KeyFile == "") {
			add("etcd-certfile", c.CertFile, lang.Errorf("--etcd-certfile and --etcd-keyfile come together"))
		} else if _, err := tlsInfo.ClientConfig(); err != nil {
			add("etcd-certfile", c.CertFile, lang.Errorf("the etcd TLS files cannot be used: %v", err))
		}
	}
	for _, override := range s.EtcdServersOverrides {
		_, servers, err := parseEtcdServersOverride(override)
		switch {
		case err != nil:
			add("etcd-servers-overrides", override, err)
		case len(c.ServerList) == 0:
			add("etcd-servers-overrides", override, lang.Errorf("needs --etcd-servers: the in-memory backend has no servers to override"))
		case slices.ContainsFunc(servers, func(s string) bool { return !validEtcdURL(s) }):
			add("etcd-servers-overrides", override, errEtcdURL)
		}
	}
}

// errEtcdURL is what a bad etcd URL gets.
var errEtcdURL = lang.Errorf("must be http://host:port or https://host:port, such as http://127.0.0.1:2379")

// validEtcdURL accepts http://host:port and https://host:port.
func validEtcdURL(server string) bool {
	u, err := url.Parse(server)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Port() != "" && u.Hostname() != "" &&
		(u.Path == "" || u.Path == "/")
}

// parseEtcdServersOverride parses group/resource#server;server. The
// messages are upstream's, which logs them and skips the override; ours
// refuses it.
func parseEtcdServersOverride(override string) (schema.GroupResource, []string, error) {
	tokens := strings.Split(override, "#")
	if len(tokens) != 2 {
		return schema.GroupResource{}, nil, fmt.Errorf("invalid value of etcd server overrides: %s", override)
	}
	apiresource := strings.Split(tokens[0], "/")
	if len(apiresource) != 2 {
		return schema.GroupResource{}, nil, fmt.Errorf("invalid resource definition: %s", tokens[0])
	}
	return schema.GroupResource{Group: apiresource[0], Resource: apiresource[1]}, strings.Split(tokens[1], ";"), nil
}

// ApplyWithStorageFactoryTo stores every resource of c's servers as
// factory says: kube-apiserver's way.
func (s *EtcdOptions) ApplyWithStorageFactoryTo(factory serverstorage.StorageFactory, c *server.Config) error {
	c.RESTOptionsGetter = &storageFactoryRestOptionsFactory{Options: *s, StorageFactory: factory}
	s.addEtcdHealthEndpoint(c)
	return nil
}

// addEtcdHealthEndpoint adds v1.8's health check "etcd" (/healthz/etcd):
// it fails when none of the etcd servers accepts a TCP connection within
// a second. v1.7 has no such check; with etcd gone, its /healthz said ok.
// None is added without etcd servers: the memory backend cannot be
// unreachable.
func (s *EtcdOptions) addEtcdHealthEndpoint(c *server.Config) {
	if len(s.StorageConfig.ServerList) == 0 {
		return
	}
	for _, check := range c.HealthzChecks {
		if check.Name() == "etcd" {
			return
		}
	}
	serverList := s.StorageConfig.ServerList
	c.HealthzChecks = append(c.HealthzChecks, healthz.NamedCheck("etcd", func(r *http.Request) error {
		done, err := preflight.EtcdConnection{ServerList: serverList}.CheckEtcdServers()
		if !done {
			return errors.New("etcd failed")
		}
		return err
	}))
}

// SimpleRestOptionsFactory gives every resource the etcd options' storage
// config, below group/resource: the getter of the apiextensions server and
// the aggregator. Their objects are JSON: upstream sets a JSON codec in
// the config; ours leaves Codec nil, and the installer's codec, JSON,
// is used.
type SimpleRestOptionsFactory struct {
	Options EtcdOptions
}

// GetRESTOptions implements registry.RESTOptionsGetter.
func (f *SimpleRestOptionsFactory) GetRESTOptions(_ context.Context, resource schema.GroupResource) (registry.RESTOptions, error) {
	config := f.Options.StorageConfig
	return registry.RESTOptions{
		StorageConfig:  &config,
		Decorator:      f.Options.decorator(),
		ResourcePrefix: path.Join(resource.Group, resource.Resource),
	}, nil
}

// storageFactoryRestOptionsFactory gives every resource what the storage
// factory says.
type storageFactoryRestOptionsFactory struct {
	Options        EtcdOptions
	StorageFactory serverstorage.StorageFactory
}

// GetRESTOptions implements registry.RESTOptionsGetter.
func (f *storageFactoryRestOptionsFactory) GetRESTOptions(ctx context.Context, resource schema.GroupResource) (registry.RESTOptions, error) {
	storageConfig, err := f.StorageFactory.NewConfig(ctx, resource)
	if err != nil {
		return registry.RESTOptions{}, fmt.Errorf("unable to find storage destination for %v, due to %v", resource, err.Error())
	}
	return registry.RESTOptions{
		StorageConfig:  storageConfig,
		Decorator:      f.Options.decorator(),
		ResourcePrefix: f.StorageFactory.ResourcePrefix(resource),
	}, nil
}

// decorator is a watch cache of DefaultWatchCacheSize in front of every
// storage when the watch cache is on, the storage alone otherwise.
func (s *EtcdOptions) decorator() registry.StorageDecorator {
	if s.EnableWatchCache {
		return registry.StorageWithCacher(s.DefaultWatchCacheSize)
	}
	return registry.UndecoratedStorage
}
