package trace

import (
	"context"
	"net"
	"strconv"

	"github.com/rs/zerolog"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// ListenerOpen records listener.open for ln, which the caller has just
// opened (net.Listen stays in the caller's code, where upstream has it).
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

// CloseListener records listener.close and then closes ln, as ln.Close()
// does, returning its error.
func CloseListener(ctx context.Context, ln net.Listener) error {
	if k := scopeOf(ctx).kit; k != nil {
		k.mu.Lock()
		if _, ok := k.reg.listeners[ln]; ok {
			delete(k.reg.listeners, ln)
			k.reg.stats.ListenersClosed++
		}
		k.mu.Unlock()
		k.listenerEvent(ctx, EventListenerClose, ln.Addr())
	}
	return ln.Close()
}

func (k *Kit) listenerEvent(ctx context.Context, event string, addr net.Addr) {
	if span := spanOf(ctx); span != nil {
		host, port, _ := net.SplitHostPort(addr.String())
		p, _ := strconv.Atoi(port)
		k.addEvent(span, event,
			semconv.NetworkTransportKey.String(addr.Network()),
			semconv.NetworkLocalAddress(host),
			semconv.NetworkLocalPort(p))
	}
	k.narrate(ctx, event, func(e *zerolog.Event) { e.Str("addr", addr.String()) })
}
