package trace

import "context"

// StatsFrom returns the Stats of the kit in ctx, as Kit.Stats does, and
// false when ctx carries no kit. A handler reads the live state of the run
// it serves this way: the kit reaches requests through their context.
func StatsFrom(ctx context.Context) (Stats, bool) {
	k := scopeOf(ctx).kit
	if k == nil {
		return Stats{}, false
	}
	return k.Stats(), true
}
