package memory

import (
	"errors"
	"slices"
	"strings"
	"sync"
)

// DefaultHistorySize is how many changes a Backend remembers for watches
// that start from a resourceVersion before it compacts the oldest away,
// as an etcd run with --auto-compaction-mode=revision
// --auto-compaction-retention=1000 would.
const DefaultHistorySize = 1000

// Backend is the in-memory stand-in for an etcd cluster: one keyspace with
// one revision counter for every key, and a bounded history of changes
// for watches to replay. Every write (create, update, delete) moves the
// revision on by one and records one change. Values are the encoded
// objects; the Backend never looks inside them.
//
// A Backend is safe for concurrent use. It starts no goroutines; watches
// (see [New]) start their own.
type Backend struct {
	historySize int

	mu sync.Mutex
	// rev is the revision of the last write; before any, 1, the revision
	// an empty etcd answers at. A list of an empty keyspace is thus at a
	// revision a watch can start from: a resourceVersion of 0 (or "")
	// would ask the watch for the current objects instead of the changes.
	rev     int64
	kvs     map[string]keyValue // the current value of every key
	history []event             // the changes from compactRev on, oldest first
	// compactRev is etcd's compact revision: the changes before it are
	// forgotten (0: none ever were).
	compactRev int64
	// changed is closed, and replaced, by every write: watches wait on it.
	changed chan struct{}
}

// keyValue is a stored value and the revisions that wrote it.
type keyValue struct {
	value     []byte // never changed once stored
	createRev int64
	modRev    int64
}

// event is one change of one key, as etcd's watch reports it.
type event struct {
	key       string
	value     []byte // nil when deleted
	prevValue []byte // nil when created
	rev       int64
	isCreated bool
	isDeleted bool
}

// The errors of a compacted or future revision, in etcd's words, which a
// watch's ERROR event carries as etcd3's does.
var (
	ErrCompacted = errors.New("etcdserver: mvcc: required revision has been compacted")
	ErrFutureRev = errors.New("etcdserver: mvcc: required revision is a future revision")
)

// NewBackend returns an empty Backend that remembers the last historySize
// changes (DefaultHistorySize if historySize < 1).
func NewBackend(historySize int) *Backend {
	if historySize < 1 {
		historySize = DefaultHistorySize
	}
	return &Backend{historySize: historySize, rev: 1, kvs: map[string]keyValue{}, changed: make(chan struct{})}
}

// get returns the value at key and the current revision.
func (b *Backend) get(key string) (keyValue, bool, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	kv, ok := b.kvs[key]
	return kv, ok, b.rev
}

// list returns the values of the keys below prefix, in key order, and the
// current revision.
func (b *Backend) list(prefix string) ([]keyValue, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listLocked(prefix), b.rev
}

func (b *Backend) listLocked(prefix string) []keyValue {
	var keys []string
	for key := range b.kvs {
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	kvs := make([]keyValue, len(keys))
	for i, key := range keys {
		kvs[i] = b.kvs[key]
	}
	return kvs
}

// put stores value at key if the key's modRev is still expectRev (0: the
// key must not exist), as an etcd transaction comparing ModRevision would.
// It returns the new revision, or false and what is there now.
func (b *Backend) put(key string, value []byte, expectRev int64) (int64, bool, keyValue) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, exists := b.kvs[key]
	if cur.modRev != expectRev {
		return 0, false, cur
	}
	b.rev++
	kv := keyValue{value: value, createRev: cur.createRev, modRev: b.rev}
	if !exists {
		kv.createRev = b.rev
	}
	b.kvs[key] = kv
	b.record(event{key: key, value: value, prevValue: cur.value, rev: b.rev, isCreated: !exists})
	return b.rev, true, kv
}

// delete removes key if its modRev is expectRev (0: whatever it is), and
// returns what was there and the deletion's revision; false if the key is
// missing or was changed.
func (b *Backend) delete(key string, expectRev int64) (keyValue, int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, ok := b.kvs[key]
	if !ok || expectRev != 0 && cur.modRev != expectRev {
		return cur, 0, false
	}
	delete(b.kvs, key)
	b.rev++
	b.record(event{key: key, prevValue: cur.value, rev: b.rev, isDeleted: true})
	return cur, b.rev, true
}

// record appends e to the history, compacting the oldest change away
// when there are more than historySize, and wakes the watches. The caller
// holds b.mu.
func (b *Backend) record(e event) {
	b.history = append(b.history, e)
	if len(b.history) > b.historySize {
		b.compactLocked(b.history[1].rev)
	}
	close(b.changed)
	b.changed = make(chan struct{})
}

// Compact forgets the changes before revision rev, as etcd's Compact does:
// a watch may then start after rev-1 at the earliest. A revision at or
// before the last compaction is ErrCompacted, one not yet written
// ErrFutureRev.
func (b *Backend) Compact(rev int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case rev <= b.compactRev:
		return ErrCompacted
	case rev > b.rev:
		return ErrFutureRev
	}
	b.compactLocked(rev)
	return nil
}

func (b *Backend) compactLocked(rev int64) {
	i := 0
	for i < len(b.history) && b.history[i].rev < rev {
		i++
	}
	b.history = slices.Delete(b.history, 0, i)
	b.compactRev = rev
}

// since returns the changes below key (or of key alone, unless prefix)
// made after rev, the revision they reach, and the channel the next write
// closes. It fails with ErrCompacted if changes after rev were compacted
// away, as etcd's watch from revision rev+1 does.
func (b *Backend) since(rev int64, key string, prefix bool) ([]event, int64, <-chan struct{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rev+1 < b.compactRev {
		return nil, 0, nil, ErrCompacted
	}
	var events []event
	for _, e := range b.history {
		if e.rev > rev && (e.key == key || prefix && strings.HasPrefix(e.key, key)) {
			events = append(events, e)
		}
	}
	return events, max(rev, b.rev), b.changed, nil
}

// snapshot returns the current values below key (or at key, unless
// prefix), the current revision and the channel the next write closes.
func (b *Backend) snapshot(key string, prefix bool) ([]keyValue, int64, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if prefix {
		return b.listLocked(key), b.rev, b.changed
	}
	if kv, ok := b.kvs[key]; ok {
		return []keyValue{kv}, b.rev, b.changed
	}
	return nil, b.rev, b.changed
}
