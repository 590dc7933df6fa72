package storage

import (
	"sync"
	"time"
)

// The budget of the Cacher's dispatch: how long, in total, it may block
// on watchers that do not keep up, refilled every second.
const (
	refreshPerSecond = 50 * time.Millisecond
	maxBudget        = 100 * time.Millisecond
)

// timeBudget is the time the Cacher's dispatch may spend waiting for slow
// watchers: refreshPerSecond more every second, up to maxBudget. A
// watcher that is still full when its share runs out is closed.
type timeBudget struct {
	sync.Mutex
	budget      time.Duration
	lastRefresh time.Time
}

func newTimeBudget() *timeBudget { return &timeBudget{lastRefresh: time.Now()} }

// refresh adds what the seconds since the last refresh earned. The caller
// holds the lock. (Upstream refreshes from a goroutine with a ticker; the
// sum is the same.)
func (t *timeBudget) refresh() {
	seconds := time.Since(t.lastRefresh) / time.Second
	if seconds == 0 {
		return
	}
	t.lastRefresh = t.lastRefresh.Add(seconds * time.Second)
	t.budget = min(t.budget+time.Duration(seconds)*refreshPerSecond, maxBudget)
}

// takeAvailable takes the whole budget.
func (t *timeBudget) takeAvailable() time.Duration {
	t.Lock()
	defer t.Unlock()
	t.refresh()
	result := t.budget
	t.budget = 0
	return result
}

// returnUnused gives back what was not used of what was taken.
func (t *timeBudget) returnUnused(unused time.Duration) {
	t.Lock()
	defer t.Unlock()
	if unused < 0 { // more was used than taken
		return
	}
	t.budget = min(t.budget+unused, maxBudget)
}
