package trace

import (
	"context"
	"net"
	"strconv"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// The channel functions announce what the caller does to a plain
// chan struct{}; they never touch the channel. The caller still writes
// make, close and <-ch itself, where the reader can see them:
//
//	internalStopCh := make(chan struct{})
//	trace.ChanMake(ctx, internalStopCh, "internalStopCh", "NonBlockingRun's forwarding goroutine")
//	…
//	trace.ChanWait(ctx, stopCh)
//	<-stopCh
//	trace.ChanRecv(ctx, stopCh)
//	trace.ChanClose(ctx, internalStopCh)
//	close(internalStopCh)
//
// Each is recorded as an event on the span in ctx (outside any span it is
// only counted and logged). A channel that was never announced with
// ChanMake is recorded with the name "unnamed".

// ChanMake announces that ch, named name in upstream's code, was just
// made, and who is responsible for closing it.
func ChanMake(ctx context.Context, ch <-chan struct{}, name, owner string) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	k.mu.Lock()
	c := &chanInfo{seq: k.reg.next(), name: name, owner: owner}
	k.reg.chans[ch] = c
	k.reg.stats.ChansMade++
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanMake, *c)
}

// ChanClose announces that ch is about to be closed. It is recorded before
// the close so that it precedes the receives the close wakes up.
func ChanClose(ctx context.Context, ch <-chan struct{}) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	k.mu.Lock()
	c := k.reg.lookup(ch)
	if c, ok := k.reg.chans[ch]; ok && !c.closed {
		c.closed = true
		k.reg.stats.ChansClosed++
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanClose, c)
}

// ChanWait announces that the calling goroutine is about to block
// receiving from ch.
func ChanWait(ctx context.Context, ch <-chan struct{}) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return
	}
	k := s.kit
	k.mu.Lock()
	c := k.reg.lookup(ch)
	if g := k.reg.live[s.goroutine]; g != nil {
		g.waitingOn = c.name
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanWait, c)
}

// ChanRecv announces that a receive from ch returned: ch was closed.
func ChanRecv(ctx context.Context, ch <-chan struct{}) {
	s := scopeOf(ctx)
	if s.kit == nil {
		return
	}
	k := s.kit
	k.mu.Lock()
	c := k.reg.lookup(ch)
	if g := k.reg.live[s.goroutine]; g != nil {
		g.waitingOn = ""
	}
	k.mu.Unlock()
	k.chanEvent(ctx, EventChanRecv, c)
}

// lookup returns what is known of ch.
func (r *registry) lookup(ch <-chan struct{}) chanInfo {
	if c, ok := r.chans[ch]; ok {
		return *c
	}
	return chanInfo{name: "unnamed"}
}

func (k *Kit) chanEvent(ctx context.Context, event string, c chanInfo) {
	if span := spanOf(ctx); span != nil {
		span.AddEvent(event, oteltrace.WithAttributes(
			attribute.String(ChanNameKey, c.name),
			attribute.String(ChanOwnerKey, c.owner),
			attribute.Int(ChanIDKey, c.seq)))
	}
	k.narrate(ctx, event, func(e *zerolog.Event) {
		e.Str("chan", c.name)
		if event == EventChanMake || event == EventChanClose {
			e.Str("owner", c.owner)
		}
	})
}

// ListenerOpen announces that ln was just opened.
func ListenerOpen(ctx context.Context, ln net.Listener) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	k.mu.Lock()
	k.reg.listeners[ln] = listenerInfo{seq: k.reg.next(), addr: ln.Addr().String()}
	k.reg.stats.ListenersOpened++
	k.mu.Unlock()
	k.listenerEvent(ctx, EventListenerOpen, ln.Addr())
}

// ListenerClose announces that ln is about to be closed.
func ListenerClose(ctx context.Context, ln net.Listener) {
	k := scopeOf(ctx).kit
	if k == nil {
		return
	}
	k.mu.Lock()
	if _, ok := k.reg.listeners[ln]; ok {
		delete(k.reg.listeners, ln)
		k.reg.stats.ListenersClosed++
	}
	k.mu.Unlock()
	k.listenerEvent(ctx, EventListenerClose, ln.Addr())
}

func (k *Kit) listenerEvent(ctx context.Context, event string, addr net.Addr) {
	host, port, _ := net.SplitHostPort(addr.String())
	if span := spanOf(ctx); span != nil {
		p, _ := strconv.Atoi(port)
		span.AddEvent(event, oteltrace.WithAttributes(
			semconv.NetworkTransportKey.String(addr.Network()),
			semconv.NetworkLocalAddress(host),
			semconv.NetworkLocalPort(p)))
	}
	k.narrate(ctx, event, func(e *zerolog.Event) { e.Str("addr", addr.String()) })
}
