package trace

import (
	"context"
	"fmt"
	"net"
	"sort"

	"github.com/kubewalk/kubewalk/trace/lang"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
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
	// Counts are the run's counters ([Count]), by name; nil when none.
	Counts map[string]int
	// RequestGoroutinesStarted and RequestGoroutinesEnded count those
	// of the goroutines that were started while a request was served
	// (those of the timeout filter, of watches): as many as there were
	// requests, which vary from run to run.
	RequestGoroutinesStarted int
	RequestGoroutinesEnded   int
}

// Open is one goroutine, channel or listener that has not ended.
type Open struct {
	Kind   string // "goroutine", "chan" or "listener"
	Name   string // goroutine name, channel name or listener address
	Detail string // who started or owns it, and what a goroutine waits on
	// NeverStopped, for a goroutine started with [NeverStopped] or a
	// channel marked [NeverClosed], is why upstream never ends it; it is
	// also said in Detail.
	NeverStopped string
	// SpanID, for a goroutine with a span, is that span: Shutdown ends it,
	// marked walkthrough.still_running.
	SpanID string
	// Owner, for a channel, is the goroutine or step that closes it.
	Owner string
	// WaitingOn, for a goroutine, names the channels it waits on, as
	// recorded by [Recv] or [Select]; "" while it runs.
	WaitingOn string
}

func (o Open) String() string { return fmt.Sprintf("%s %s (%s)", o.Kind, o.Name, o.Detail) }

// registry is the kit's live state. Every field is guarded by Kit.mu.
type registry struct {
	lang      lang.Lang // of the details of what is open
	stats     Stats
	seq       int // last goroutine or channel sequence number handed out
	live      map[int]*goroutineInfo
	inFlight  map[oteltrace.Span]struct{} // the spans of requests being served or sent
	waited    int                         // what Wait waits for: live goroutines but the never-stopped, and requests being served
	counts    map[string]int              // Count's counters
	chans     map[chanKey]*chanInfo
	listeners map[net.Listener]listenerInfo
	// steps are the step spans that have started and not ended, by span:
	// the summary lists them, so that a trace cut short by a crash says
	// which spans it lacks.
	steps map[oteltrace.SpanID]openStep
	// idle is closed while no goroutine Wait waits for runs, so Wait can
	// block on it.
	idle chan struct{}
}

// openStep is a step span that has not ended: its span, its function,
// and the count of steps when it started, which orders them.
type openStep struct {
	id       oteltrace.SpanID
	function string
	n        int
}

type goroutineInfo struct {
	name, startedBy, waitingOn string
	neverStopped               string    // why upstream never stops it, or ""
	stop                       func()    // what would stop it (tests only)
	mirrors                    *Upstream // what it runs, when Mirroring said so
	request                    bool      // started while a request was served
	// span is the goroutine's span, which Shutdown ends if the goroutine
	// still runs, so that the trace has it; nil while it has none.
	span oteltrace.Span
}

type chanInfo struct {
	// ch holds the channel, so that its address, its key, is not reused
	// by another channel while the registry knows it.
	ch          any
	seq         int
	name, owner string
	closed      bool // kept after the close so later receives still name it
	// neverClosed is why upstream never closes it, or "": see
	// [NeverClosed].
	neverClosed string
}

type listenerInfo struct {
	seq  int
	addr string
}

func newRegistry(l lang.Lang) registry {
	idle := make(chan struct{})
	close(idle)
	return registry{
		lang:      l,
		live:      map[int]*goroutineInfo{},
		inFlight:  map[oteltrace.Span]struct{}{},
		chans:     map[chanKey]*chanInfo{},
		listeners: map[net.Listener]listenerInfo{},
		steps:     map[oteltrace.SpanID]openStep{},
		idle:      idle,
	}
}

// Stats returns the counts so far and what is still open.
func (k *Kit) Stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.statsLocked()
}

// statsLocked is Stats for a caller that holds Kit.mu.
func (k *Kit) statsLocked() Stats {
	s := k.reg.stats
	s.Open = k.reg.open()
	s.Counts = k.reg.countsCopy()
	return s
}

// Wait blocks until no goroutine started through [Go] with this kit is
// running and no request [Request] saw is being served, or ctx is done;
// then it returns ctx's error. It does not wait
// for goroutines upstream never stops ([NeverStopped]) until
// [Kit.StopNeverStopped] has been called.
func (k *Kit) Wait(ctx context.Context) error {
	for {
		k.mu.Lock()
		idle, live := k.reg.idle, k.reg.waited
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
		d := r.lang.Sayf("started by %s", g.startedBy)
		if g.waitingOn != "" {
			d += r.lang.Sayf(", waiting on %s", g.waitingOn)
		}
		if g.neverStopped != "" {
			d += r.lang.Sayf("; upstream never stops it: %s", r.lang.Say(g.neverStopped))
		}
		o := Open{Kind: "goroutine", Name: g.name, Detail: d, NeverStopped: g.neverStopped, WaitingOn: g.waitingOn}
		if g.span != nil {
			o.SpanID = g.span.SpanContext().SpanID().String()
		}
		bySeq[seq] = o
	}
	for _, c := range r.chans {
		if c.closed {
			continue
		}
		cs = append(cs, c.seq)
		d := r.lang.Sayf("closed by %s", c.owner)
		if c.neverClosed != "" {
			d += r.lang.Sayf("; upstream never closes it: %s", r.lang.Say(c.neverClosed))
		}
		bySeq[c.seq] = Open{Kind: "chan", Name: c.name, Detail: d, NeverStopped: c.neverClosed, Owner: c.owner}
	}
	for _, l := range r.listeners {
		ls = append(ls, l.seq)
		bySeq[l.seq] = Open{Kind: "listener", Name: l.addr, Detail: r.lang.Say("not closed")}
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

func (r *registry) goroutineStarted(g *goroutineInfo) int {
	seq := r.next()
	r.live[seq] = g
	r.stats.GoroutinesStarted++
	if g.request {
		r.stats.RequestGoroutinesStarted++
	}
	if g.neverStopped == "" {
		r.waitFor()
	}
	return seq
}

// neverStopped returns why upstream never stops the live goroutine seq,
// or "" (also when seq is 0, the main goroutine, or has ended).
func (r *registry) neverStopped(seq int) string {
	if g := r.live[seq]; g != nil {
		return g.neverStopped
	}
	return ""
}

// goroutineEnded forgets the goroutine seq and returns the upstream
// function it mirrors, if any.
func (r *registry) goroutineEnded(seq int) *Upstream {
	g := r.live[seq]
	delete(r.live, seq)
	r.stats.GoroutinesEnded++
	if g.request {
		r.stats.RequestGoroutinesEnded++
	}
	if g.neverStopped == "" {
		r.waitedEnded()
	}
	return g.mirrors
}

// waitedEnded counts one less goroutine or request that Wait waits for.
func (r *registry) waitedEnded() {
	r.waited--
	if r.waited == 0 {
		close(r.idle)
	}
}

// waitFor counts one more goroutine or request that Wait waits for.
func (r *registry) waitFor() {
	if r.waited == 0 {
		r.idle = make(chan struct{})
	}
	r.waited++
}

// keepSpan keeps the span of the goroutine seq while it runs, for
// endStillRunning.
func (k *Kit) keepSpan(seq int, span oteltrace.Span) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if g := k.reg.live[seq]; g != nil {
		g.span = span
	}
}

// stillRunning returns the spans of the goroutines and requests still
// running: the goroutines upstream never stops and their requests, and,
// when the process dies from inside (a panic, a fatal line), every other.
func (r *registry) stillRunning() []oteltrace.Span {
	var spans []oteltrace.Span
	for _, g := range r.live {
		if g.span != nil {
			spans = append(spans, g.span)
		}
	}
	for span := range r.inFlight {
		spans = append(spans, span)
	}
	return spans
}

// endStillRunning ends spans, those of goroutines and requests still
// running, marked walkthrough.still_running, so that the trace has them
// (and the spans of what they started have their parent). The summary
// calls it, under Kit.ending, before it counts: when the goroutines or
// requests end later, their spans are not ended again (see Kit.endSpan).
func endStillRunning(spans []oteltrace.Span) {
	for _, span := range spans {
		span.SetAttributes(attribute.Bool(StillRunningKey, true))
		span.End()
	}
}

// StopNeverStopped is for tests only: it stops every goroutine started
// with [NeverStopped] that is still running, by calling the stop function
// given there, which upstream never calls, and from then on [Kit.Wait]
// waits for them too. A test that runs code which starts such goroutines
// calls it before it ends, so that a leak check stays strict. The
// walkthrough itself never calls it: its process ends with them running,
// as upstream's does.
func (k *Kit) StopNeverStopped() {
	k.mu.Lock()
	var stops []func()
	for _, g := range k.reg.live {
		if g.neverStopped == "" {
			continue
		}
		g.neverStopped = ""
		k.reg.waitFor()
		if g.stop != nil {
			stops = append(stops, g.stop)
		}
	}
	for _, c := range k.reg.chans {
		c.neverClosed = "" // once stopped, what they close is closed
	}
	k.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
}

// NeverClosed marks ch, made with [Make], as a channel upstream never
// closes, and says why (in English, marked with lang.N where it is
// written, as for [NeverStopped]): the summary lists it with why, apart from what is
// still open by mistake. A channel made by a goroutine upstream never
// stops is marked so already, with that goroutine's why. Only
// [Kit.StopNeverStopped] takes the mark away, for tests.
func NeverClosed[T any](ctx context.Context, ch chan T, why string) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	key, _ := keyOf(ch)
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.reg.chans[key]; ok {
		c.neverClosed = why
	}
}
