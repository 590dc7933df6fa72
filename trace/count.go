package trace

import (
	"context"
	"maps"
	"strings"
)

// Count adds n to the run's counter name, such as
// "poststarthooks.started": [Kit.Stats] reports the counters, and the
// summary span records each as walkthrough.count.<name>. Without a kit in
// ctx it does nothing.
func Count(ctx context.Context, name string, n int) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.reg.counts == nil {
		k.reg.counts = map[string]int{}
	}
	k.reg.counts[name] += n
}

// countKey is the summary span's attribute for the counter name.
func countKey(name string) string {
	return CountKeyPrefix + strings.ReplaceAll(name, " ", "_")
}

// counts returns a copy of the counters. The caller holds Kit.mu.
func (r *registry) countsCopy() map[string]int {
	return maps.Clone(r.counts)
}
