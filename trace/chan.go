package trace

import (
	"context"
	"reflect"
	"strings"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
)

// The channel operations are the operations they record: [Make] returns
// the channel it is given, [Recv] receives, [Close] closes. Step code
// keeps upstream's shape, one line per operation, where upstream has
// go func() { <-stopCh; close(internalStopCh) }():
//
//	internalStopCh := trace.Make(ctx, make(chan struct{}), "internalStopCh", "NonBlockingRun's goroutine")
//	trace.Go(ctx, "NonBlockingRun: close internalStopCh on stopCh", func(ctx context.Context) {
//		trace.Recv(ctx, stopCh)
//		trace.Close(ctx, internalStopCh)
//	})
//
// Each records an event on the span in ctx (outside any span it is only
// counted and narrated): chan.make, chan.wait and chan.recv around the
// receive, chan.close before the close. A channel is known by the name
// Make gave it, whatever its direction: the stopCh a function receives as
// <-chan struct{} is the chan struct{} its caller made. A channel that
// never went through Make is recorded as "unnamed". Without a kit in ctx
// the operations are the bare channel operations.

// Make records that ch, named name in upstream's code, was just made, and
// who is responsible for closing it (a goroutine or a step); it returns
// ch, so that the make stays on the line:
//
//	stop := trace.Make(ctx, make(chan struct{}), "stopCh", "SetupSignalHandler's goroutine")
func Make[T any](ctx context.Context, ch chan T, name, owner string) chan T {
	if k := scopeOf(ctx).kit; k != nil {
		k.made(ctx, ch, name, owner)
	}
	return ch
}

// Recv receives from ch, as v, ok := <-ch does, and records chan.wait
// before it blocks and chan.recv once it returned. While it blocks,
// [Kit.Stats] shows the calling goroutine waiting on ch.
func Recv[T any](ctx context.Context, ch <-chan T) (T, bool) {
	s := scopeOf(ctx)
	if s.kit == nil {
		v, ok := <-ch
		return v, ok
	}
	s.kit.waiting(ctx, s.goroutine, ch)
	v, ok := <-ch
	s.kit.woken(ctx, s.goroutine, ch)
	return v, ok
}

// Close records chan.close and then closes ch, so that the close comes
// before the chan.recv of every receiver it wakes.
func Close[T any](ctx context.Context, ch chan<- T) {
	if k := scopeOf(ctx).kit; k != nil {
		k.closing(ctx, ch)
	}
	close(ch)
}

// Select and [Selected] record a select statement, which cannot be
// wrapped: Select, just before it, records chan.wait for each channel in
// chs (other values are ignored), and Selected, first thing in the case
// that ran, records chan.recv for the channel that case received from:
//
//	trace.Select(ctx, stopCh, timeoutCh)
//	select {
//	case <-stopCh:
//		trace.Selected(ctx, stopCh)
//	case <-timeoutCh:
//		trace.Selected(ctx, timeoutCh)
//	}
//
// A select that should not be recorded, such as a poll with a default
// case, stays a plain select.
func Select(ctx context.Context, chs ...any) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return
	}
	for _, ch := range chs {
		s.kit.waiting(ctx, s.goroutine, ch)
	}
	if len(chs) > 1 {
		s.kit.waitingOnAll(s.goroutine, chs)
	}
}

// Selected records chan.recv for ch: see [Select].
func Selected(ctx context.Context, ch any) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return
	}
	s.kit.woken(ctx, s.goroutine, ch)
}

// Woke marks the calling goroutine as no longer waiting, first thing in
// the case of a select [Select] recorded that received from a channel the
// trace does not know, such as a timer's: nothing of the story happened,
// so nothing is recorded.
func Woke(ctx context.Context) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return
	}
	s.kit.mu.Lock()
	defer s.kit.mu.Unlock()
	if g := s.kit.reg.live[s.goroutine]; g != nil {
		g.waitingOn = ""
	}
}

// chanKey identifies a channel whatever its direction type: the address
// of the channel itself, the same in a chan T and in the <-chan T and
// chan<- T made from it.
type chanKey uintptr

func keyOf(ch any) (chanKey, bool) {
	v := reflect.ValueOf(ch)
	if v.Kind() != reflect.Chan {
		return 0, false
	}
	return chanKey(v.Pointer()), true
}

func (k *Kit) made(ctx context.Context, ch any, name, owner string) {
	key, _ := keyOf(ch)
	k.mu.Lock()
	c := &chanInfo{ch: ch, seq: k.reg.next(), name: name, owner: owner,
		neverClosed: k.reg.neverStopped(scopeOf(ctx).goroutine)}
	k.reg.chans[key] = c
	k.reg.stats.ChansMade++
	info := *c // copied under the lock: StopNeverStopped may change c
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanMake, info)
}

func (k *Kit) closing(ctx context.Context, ch any) {
	key, _ := keyOf(ch)
	k.mu.Lock()
	info := k.reg.lookup(key)
	if c, ok := k.reg.chans[key]; ok && !c.closed {
		c.closed = true
		k.reg.stats.ChansClosed++
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanClose, info)
}

// waiting records chan.wait for ch and marks the goroutine seq as waiting
// on it; it ignores ch when ch is not a channel.
func (k *Kit) waiting(ctx context.Context, seq int, ch any) {
	key, ok := keyOf(ch)
	if !ok {
		return
	}
	k.mu.Lock()
	c := k.reg.lookup(key)
	if g := k.reg.live[seq]; g != nil {
		g.waitingOn = c.name
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanWait, c)
}

// waitingOnAll marks the goroutine seq as waiting on every channel of a
// select: "stopCh or timeoutCh".
func (k *Kit) waitingOnAll(seq int, chs []any) {
	k.mu.Lock()
	defer k.mu.Unlock()
	g := k.reg.live[seq]
	if g == nil {
		return
	}
	var names []string
	for _, ch := range chs {
		if key, ok := keyOf(ch); ok {
			names = append(names, k.reg.lookup(key).name)
		}
	}
	g.waitingOn = strings.Join(names, k.lang.Say(" or "))
}

// woken records chan.recv for ch and marks the goroutine seq as no
// longer waiting.
func (k *Kit) woken(ctx context.Context, seq int, ch any) {
	key, ok := keyOf(ch)
	if !ok {
		return
	}
	k.mu.Lock()
	c := k.reg.lookup(key)
	if g := k.reg.live[seq]; g != nil {
		g.waitingOn = ""
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanRecv, c)
}

// lookup returns what is known of the channel key.
func (r *registry) lookup(key chanKey) chanInfo {
	if c, ok := r.chans[key]; ok {
		return *c
	}
	return chanInfo{name: "unnamed"}
}

func (k *Kit) chanEvent(ctx context.Context, event string, c chanInfo) {
	if span := spanOf(ctx); span != nil {
		k.addEvent(span, event,
			attribute.String(ChanNameKey, c.name),
			attribute.String(ChanOwnerKey, c.owner),
			attribute.Int(ChanIDKey, c.seq))
	}
	k.narrate(ctx, event, func(e *zerolog.Event) {
		e.Str("chan", c.name)
		if event == EventChanMake || event == EventChanClose {
			e.Str("owner", c.owner)
		}
	})
}
