package config

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server/serverstorage"
	"github.com/kubewalk/kubewalk/server/storage/etcd3/preflight"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/lang"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
)

// How long CreateKubeAPIServerConfig waits for etcd before it builds
// anything: v1.7 tries once a second, 60 times.
const (
	etcdRetryLimit    = 60
	etcdRetryInterval = 1 * time.Second
)

var upstreamBuildStorageFactory = trace.UpstreamFile{
	Path: "cmd/kube-apiserver/app/server.go", Ref: "v1.7.0", Chapter: "storage",
}.Func("app.BuildStorageFactory")

// Codecs encode and decode the core group's objects for storage:
// upstream's api.Codecs, with the types the walkthrough serves.
var Codecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(scheme))
	return serializer.NewCodecFactory(scheme)
}()

// BuildStorageFactory returns the storage factory of the etcd options:
// every resource on --etcd-servers (or the in-memory backend), below
// --etcd-prefix, in --storage-media-type, at its group's version, except
// the resources --etcd-servers-overrides moves to servers of their own.
func BuildStorageFactory(ctx context.Context, s *options.ServerRunOptions) (_ *serverstorage.DefaultStorageFactory, err error) {
	_, end := trace.Step(ctx, upstreamBuildStorageFactory)
	defer end(&err)
	// --8<-- [start:storagefactory]
	resourceEncoding := serverstorage.NewDefaultResourceEncodingConfig()
	resourceEncoding.SetVersionEncoding(corev1.GroupName, corev1.SchemeGroupVersion)
	storageFactory := serverstorage.NewDefaultStorageFactory(
		s.Etcd.StorageConfig, s.Etcd.DefaultStorageMediaType, Codecs, resourceEncoding)
	for _, override := range s.Etcd.EtcdServersOverrides {
		tokens := strings.Split(override, "#")
		apiresource := strings.Split(tokens[0], "/")
		groupResource := schema.GroupResource{Group: apiresource[0], Resource: apiresource[1]}
		servers := strings.Split(tokens[1], ";")
		storageFactory.SetEtcdLocation(groupResource, servers)
	}
	// --8<-- [end:storagefactory]
	return storageFactory, nil
}

// defaultStorage fills in what the etcd options left open: without etcd
// servers, the in-memory backend every server of the chain shares (ours);
// with the watch cache on, the cache sizes of --target-ram-mb and
// --watch-cache-sizes (upstream's cachesize).
func defaultStorage(ctx context.Context, s *options.ServerRunOptions) WatchCacheSizes {
	if len(s.Etcd.StorageConfig.ServerList) == 0 && s.Etcd.StorageConfig.Memory == nil {
		s.Etcd.StorageConfig.Memory = memory.NewBackend(memory.DefaultHistorySize)
		trace.Log(ctx).Info().
			Str(trace.LogNoteKey, lang.Say(ctx, "Without --etcd-servers the walkthrough keeps objects in memory, in one keyspace with etcd's revisions; upstream requires etcd.")).
			Msg(lang.Say(ctx, "no etcd servers: storing objects in memory"))
	}
	if !s.Etcd.EnableWatchCache {
		return nil
	}
	g := s.GenericServerRunOptions
	trace.Log(ctx).Debug().Msgf("Initializing cache sizes based on %dMB limit", g.TargetRAMMB)
	sizes := InitializeWatchCacheSizes(g.TargetRAMMB)
	sizes.Set(g.WatchCacheSizes)
	return sizes
}

// WatchCacheSizes are the watch cache sizes of resources that do not use
// the default, by resource name: upstream's pkg/registry/cachesize, a
// package variable there.
type WatchCacheSizes map[string]int

// InitializeWatchCacheSizes returns v1.7's sizes for an API server of
// expectedRAMCapacityMB: about 60 MB per node of the cluster, and at
// least 1000 changes for the resources that change most.
func InitializeWatchCacheSizes(expectedRAMCapacityMB int) WatchCacheSizes {
	clusterSize := expectedRAMCapacityMB / 60
	return WatchCacheSizes{
		"controllers": max(5*clusterSize, 100),
		"endpoints":   max(10*clusterSize, 1000),
		"nodes":       max(5*clusterSize, 1000),
		"pods":        max(50*clusterSize, 1000),
		"services":    max(5*clusterSize, 1000),
		"apiservices": max(5*clusterSize, 1000),
	}
}

// Set applies --watch-cache-sizes, resource#size entries (Validate
// checked them).
func (w WatchCacheSizes) Set(cacheSizes []string) {
	for _, c := range cacheSizes {
		resource, size, _ := strings.Cut(c, "#")
		if n, err := strconv.Atoi(size); err == nil {
			w[resource] = n
		}
	}
}

// Get returns resource's size, or nil for the default; nil when the
// watch cache is off (w is nil).
func (w WatchCacheSizes) Get(resource string) *int {
	if size, ok := w[resource]; ok {
		return &size
	}
	return nil
}

// waitForEtcd polls the etcd servers until one accepts a connection: once
// at once, then every interval, retries times in all, as v1.7's
// PollImmediate does, and quietly. It fails as upstream does when none
// did. Without etcd servers there is nothing to wait for.
func waitForEtcd(ctx context.Context, s *options.ServerRunOptions) error {
	serverList := s.Etcd.StorageConfig.ServerList
	if len(serverList) == 0 {
		return nil
	}
	interval, timeout := etcdRetryInterval, etcdRetryLimit*etcdRetryInterval
	if s.EtcdPreflightTimeout > 0 {
		timeout = s.EtcdPreflightTimeout
		interval = min(interval, timeout/10)
	}
	trace.Log(ctx).Info().Strs("etcdServers", serverList).
		Str(trace.LogNoteKey, lang.Sayf(ctx, "Upstream polls etcd %d times, %v apart, before it builds anything, and says nothing until it gives up.", etcdRetryLimit, etcdRetryInterval)).
		Msg(lang.Say(ctx, "waiting for etcd"))
	// --8<-- [start:preflight]
	check := preflight.EtcdConnection{ServerList: serverList}.CheckEtcdServers
	if err := pollImmediate(ctx, interval, timeout, check); err != nil {
		return fmt.Errorf("error waiting for etcd connection: %v", err)
	}
	// --8<-- [end:preflight]
	return nil
}

// pollImmediate calls condition now and then every interval until it is
// done or fails, or timeout has passed: then it returns errWaitTimeout, as
// apimachinery's PollImmediate does (ours starts no goroutine).
// errWaitTimeout is apimachinery's wait.ErrWaitTimeout, which v1.7 returns
// and today's apimachinery keeps only as deprecated.
var errWaitTimeout = errors.New("timed out waiting for the condition")

func pollImmediate(ctx context.Context, interval, timeout time.Duration, condition wait.ConditionFunc) error {
	deadline := time.Now().Add(timeout)
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		if done, err := condition(); err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			return errWaitTimeout
		}
		// A plain select: a poll that ends with the run, or a tick.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		timer.Reset(interval)
	}
}
