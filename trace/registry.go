package trace

import (
	"context"
	"fmt"
	"net"
	"sort"
)

// Stats counts what a run's steps announced through the kit.
type Stats struct {
	Steps             int
	GoroutinesStarted int
	GoroutinesEnded   int
	ChansMade         int
	ChansClosed       int
	ListenersOpened   int
	ListenersClosed   int
	// Open lists what was announced and has not ended yet, goroutines
	// first, each group in the order it was announced.
	Open []Open
}

// Open is one goroutine, channel or listener that has not ended.
type Open struct {
	Kind   string // "goroutine", "chan" or "listener"
	Name   string // goroutine name, channel name or listener address
	Detail string // who started or owns it, and what a goroutine waits on
}

func (o Open) String() string { return fmt.Sprintf("%s %s (%s)", o.Kind, o.Name, o.Detail) }

// registry is the kit's live state. Every field is guarded by Kit.mu.
type registry struct {
	stats     Stats
	seq       int // last goroutine or channel sequence number handed out
	live      map[int]*goroutineInfo
	chans     map[chanKey]*chanInfo
	listeners map[net.Listener]listenerInfo
	// idle is closed while no kit goroutine runs, so Wait can block on it.
	idle chan struct{}
}

type goroutineInfo struct {
	name, startedBy, waitingOn string
}

type chanInfo struct {
	// ch holds the channel, so that its address, its key, is not reused
	// by another channel while the registry knows it.
	ch          any
	seq         int
	name, owner string
	closed      bool // kept after the close so later receives still name it
}

type listenerInfo struct {
	seq  int
	addr string
}

func newRegistry() registry {
	idle := make(chan struct{})
	close(idle)
	return registry{
		live:      map[int]*goroutineInfo{},
		chans:     map[chanKey]*chanInfo{},
		listeners: map[net.Listener]listenerInfo{},
		idle:      idle,
	}
}

// Stats returns the counts so far and what is still open.
func (k *Kit) Stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.reg.stats
	s.Open = k.reg.open()
	return s
}

// Wait blocks until no goroutine started through [Go] with this kit is
// running, or ctx is done; then it returns ctx's error.
func (k *Kit) Wait(ctx context.Context) error {
	for {
		k.mu.Lock()
		idle, live := k.reg.idle, len(k.reg.live)
		k.mu.Unlock()
		if live == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (r *registry) open() []Open {
	var gs, cs, ls []int
	for seq := range r.live {
		gs = append(gs, seq)
	}
	bySeq := map[int]Open{}
	for seq, g := range r.live {
		d := words.startedBy + " " + g.startedBy
		if g.waitingOn != "" {
			d += ", " + words.waitingOn + " " + g.waitingOn
		}
		bySeq[seq] = Open{Kind: "goroutine", Name: g.name, Detail: d}
	}
	for _, c := range r.chans {
		if c.closed {
			continue
		}
		cs = append(cs, c.seq)
		bySeq[c.seq] = Open{Kind: "chan", Name: c.name, Detail: words.closedBy + " " + c.owner}
	}
	for _, l := range r.listeners {
		ls = append(ls, l.seq)
		bySeq[l.seq] = Open{Kind: "listener", Name: l.addr, Detail: words.notClosed}
	}
	var out []Open
	for _, group := range [][]int{gs, cs, ls} {
		sort.Ints(group)
		for _, seq := range group {
			out = append(out, bySeq[seq])
		}
	}
	return out
}

func (r *registry) next() int {
	r.seq++
	return r.seq
}

func (r *registry) goroutineStarted(name, startedBy string) int {
	seq := r.next()
	if len(r.live) == 0 {
		r.idle = make(chan struct{})
	}
	r.live[seq] = &goroutineInfo{name: name, startedBy: startedBy}
	r.stats.GoroutinesStarted++
	return seq
}

func (r *registry) goroutineEnded(seq int) {
	delete(r.live, seq)
	r.stats.GoroutinesEnded++
	if len(r.live) == 0 {
		close(r.idle)
	}
}
