package etcd3

import (
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// event is one change of one key, as the watcher needs it.
type event struct {
	key       string
	value     []byte
	prevValue []byte // what the key held before, for deletions and filters
	rev       int64
	isDeleted bool
	isCreated bool
}

// parseKV turns a key-value of the initial sync of a watch from 0 into a
// creation at the revision that last wrote it.
func parseKV(kv *mvccpb.KeyValue) *event {
	return &event{
		key:       string(kv.Key),
		value:     kv.Value,
		rev:       kv.ModRevision,
		isCreated: true,
	}
}

// parseEvent turns an event of etcd's watch into one of ours; a deletion
// has no value, and its revision is the deletion's.
func parseEvent(e *clientv3.Event) *event {
	ret := &event{
		key:       string(e.Kv.Key),
		value:     e.Kv.Value,
		rev:       e.Kv.ModRevision,
		isDeleted: e.Type == clientv3.EventTypeDelete,
		isCreated: e.IsCreate(),
	}
	if e.PrevKv != nil {
		ret.prevValue = e.PrevKv.Value
	}
	return ret
}
