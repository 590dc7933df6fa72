// Package factory makes the storage a storagebackend.Config describes:
// [Create] returns the storage.Interface and the function that releases
// what it holds.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage/storagebackend/factory/factory.go and
// etcd3.go at kubernetes-1.7.6: Create and newETCD3Storage. Each call
// makes a client of its own: an API server holds one etcd client per
// resource, and the first one for a cluster starts the compactor.
//
// # Differences from upstream
//
//   - With no etcd servers, Create returns the in-memory backend's storage
//     (ours); v1.7 has no such backend.
//   - etcd2 is refused: the walkthrough speaks etcd3 only.
//   - Create takes a context, whose trace kit the compactor's goroutine
//     is traced with; the compactor outlives it.
//   - etcd's client logs nothing (upstream's logged through grpclog).
package factory

import (
	"context"
	"fmt"

	"github.com/kubewalk/kubewalk/server/storage"
	"github.com/kubewalk/kubewalk/server/storage/etcd3"
	"github.com/kubewalk/kubewalk/server/storage/memory"
	"github.com/kubewalk/kubewalk/server/storage/storagebackend"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// DestroyFunc releases what a storage holds: its etcd client and, if it
// started one, the compactor.
type DestroyFunc func()

// Create returns the storage c describes.
func Create(ctx context.Context, c storagebackend.Config) (storage.Interface, DestroyFunc, error) {
	if len(c.ServerList) == 0 {
		if c.Memory == nil {
			return nil, nil, fmt.Errorf("no etcd servers and no in-memory backend to store objects in")
		}
		return memory.New(c.Memory, c.Codec, c.Prefix), func() {}, nil
	}
	switch c.Type {
	case storagebackend.StorageTypeUnset, storagebackend.StorageTypeETCD3:
		return newETCD3Storage(ctx, c)
	default:
		return nil, nil, fmt.Errorf("unknown storage type: %s", c.Type)
	}
}

// newETCD3Storage makes a client of c's servers, starts the compactor of
// their cluster unless one runs, and returns the store on the client.
// The client dials lazily: an etcd that cannot be reached is no error
// here, only on the first call.
func newETCD3Storage(ctx context.Context, c storagebackend.Config) (storage.Interface, DestroyFunc, error) {
	tlsInfo := transport.TLSInfo{CertFile: c.CertFile, KeyFile: c.KeyFile, TrustedCAFile: c.CAFile}
	tlsConfig, err := tlsInfo.ClientConfig()
	if err != nil {
		return nil, nil, err
	}
	// The client takes a nil TLS config for plain connections.
	if len(c.CertFile) == 0 && len(c.KeyFile) == 0 && len(c.CAFile) == 0 {
		tlsConfig = nil
	}
	// --8<-- [start:client]
	client, err := clientv3.New(clientv3.Config{Endpoints: c.ServerList, TLS: tlsConfig, Logger: zap.NewNop()})
	if err != nil {
		return nil, nil, err
	}
	interval := c.CompactionInterval
	if interval == 0 {
		interval = etcd3.DefaultCompactInterval
	}
	// The compactor runs until destroyFunc, not until the step that
	// created the storage ends.
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	etcd3.StartCompactor(ctx, client, interval)
	destroyFunc := func() {
		cancel()
		client.Close()
	}
	// --8<-- [end:client]
	if c.Quorum {
		return etcd3.New(client, c.Codec, c.Prefix), destroyFunc, nil
	}
	return etcd3.NewWithNoQuorumRead(client, c.Codec, c.Prefix), destroyFunc, nil
}
