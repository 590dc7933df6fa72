// Package storagebackend says how to reach the storage of a resource:
// [Config], which the storage factory fills in per resource from the
// etcd options, and which package factory turns into a storage.Interface.
//
// # Upstream
//
// k8s.io/apiserver/pkg/storage/storagebackend/config.go at
// kubernetes-1.7.6: Config and its storage types.
//
// # Differences from upstream
//
//   - Memory: with no etcd servers, the storage is the in-memory backend
//     (ours, the walkthrough's default); v1.7 requires --etcd-servers.
//   - CompactionInterval is v1.9's field; v1.7's interval is a constant,
//     which is its default here.
//   - No etcd2, no deserialization cache, no copier, no transformer.
package storagebackend

import (
	"time"

	"github.com/kubewalk/kubewalk/server/storage/memory"
	"k8s.io/apimachinery/pkg/runtime"
)

// The storage types --storage-backend takes.
const (
	StorageTypeUnset = ""
	StorageTypeETCD3 = "etcd3"
	StorageTypeETCD2 = "etcd2" // v1.7 has it; the walkthrough does not
)

// Config is how to reach one resource's storage and how to encode its
// objects there.
type Config struct {
	// Type is the storage backend: "" (etcd3) or etcd3.
	Type string
	// Prefix is the key prefix of every object (--etcd-prefix).
	Prefix string
	// ServerList is the etcd servers' URLs (--etcd-servers). Empty means
	// the in-memory backend, Memory.
	ServerList []string
	// KeyFile, CertFile and CAFile are the TLS client key and certificate
	// to present to etcd, and the CA to verify it with; all empty means
	// plain connections.
	KeyFile  string
	CertFile string
	CAFile   string
	// Quorum makes every read go through etcd's quorum
	// (--etcd-quorum-read); v1.7's default lets a Get read a member's own
	// copy.
	Quorum bool
	// Codec encodes objects for the storage and decodes them back.
	Codec runtime.Codec

	// Memory is the in-memory keyspace used when ServerList is empty.
	Memory *memory.Backend
	// CompactionInterval is how often the etcd compactor runs; 0 means
	// etcd3.DefaultCompactInterval.
	CompactionInterval time.Duration
}

// NewDefaultConfig returns a Config with prefix and codec set and
// everything else at its default.
func NewDefaultConfig(prefix string, codec runtime.Codec) *Config {
	return &Config{Prefix: prefix, Codec: codec}
}
