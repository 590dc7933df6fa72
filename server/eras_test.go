package server_test

import (
	"context"
	"crypto/tls"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
)

// eraServer is one server of an era, served on a free loopback port by
// PrepareRun().Run until stopCh is closed.
type eraServer struct {
	ctx     context.Context // the test step, which closes stopCh
	end     func()          // ends the test step
	base    string          // https://127.0.0.1:port
	stopCh  chan struct{}   // closing it stands for the signal
	release chan struct{}   // closing it answers the slow requests
	ran     <-chan error    // Run's result
	client  *http.Client    // trusts the server's certificate
	rec     *kittest.Recorder
	s       *server.GenericAPIServer
}

// runEra builds a server of era with /debug/walkthrough/slow and runs it.
func runEra(t *testing.T, era server.Era, configure func(*server.Config)) *eraServer {
	t.Helper()
	ctx, rec := kittest.New(t)
	ctx, end := trace.Step(ctx, trace.Upstream{Function: "test"})
	serving, pool := selfSigned(t)
	ln := listen(t)
	trace.ListenerOpen(ctx, ln) // as SecureServingOptions.ApplyTo records it from v1.9
	e := &eraServer{
		ctx:     ctx,
		end:     func() { end(nil) },
		base:    "https://" + ln.Addr().String(),
		stopCh:  trace.Make(ctx, make(chan struct{}), "stopCh", "the test"),
		release: make(chan struct{}),
		rec:     rec,
		client:  &http.Client{Timeout: kittest.Deadline, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	}
	t.Cleanup(e.client.CloseIdleConnections)
	t.Cleanup(e.end) // if the test did not
	e.s = newServer(t, "s", server.EmptyDelegate, func(c *server.Config) {
		c.Era = era
		c.SecureServingInfo = &server.SecureServingInfo{BindAddress: ln.Addr().String(), Listener: ln, Cert: &serving}
		c.SlowRequests = e.release
		if configure != nil {
			configure(c)
		}
	})
	ran := make(chan error, 1)
	e.ran = ran
	prepared := e.s.PrepareRun(ctx)
	trace.Go(ctx, "test: Run", func(ctx context.Context) { ran <- prepared.Run(ctx, e.stopCh) })
	waitUntil(t, func() bool { return e.status("/healthz") == http.StatusOK })
	return e
}

// status GETs path and returns the status code, or 0 when the request fails.
func (e *eraServer) status(path string) int {
	resp, err := e.client.Get(e.base + path)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// slow starts a slow request and waits until the server handles it; the
// returned channel gets its status code (0: it failed).
func (e *eraServer) slow(t *testing.T) <-chan int {
	t.Helper()
	answer := make(chan int, 1)
	go func() { answer <- e.status("/debug/walkthrough/slow") }()
	waitUntil(t, func() bool {
		return slices.ContainsFunc(e.rec.Kit.Stats().Open, func(o trace.Open) bool {
			return strings.Contains(o.Name, "/debug/walkthrough/slow")
		})
	})
	return answer
}

// closedInOrder returns the names of the channels closed, the listeners
// closed ("listener.close") and the "Stopped listening" lines, in the
// kit's order.
func closedInOrder(rec *kittest.Recorder) []string {
	var got []string
	for _, ev := range rec.Events() {
		switch {
		case ev.Name == trace.EventChanClose:
			got = append(got, ev.Attrs[trace.ChanNameKey])
		case ev.Name == trace.EventListenerClose:
			got = append(got, "listener.close")
		case strings.HasPrefix(ev.Name, "Stopped listening on"):
			got = append(got, "Stopped listening")
		}
	}
	return got
}

// before reports whether a comes before b in order, both present.
func before(order []string, a, b string) bool {
	i, j := slices.Index(order, a), slices.Index(order, b)
	return i >= 0 && j >= 0 && i < j
}

// v1.9: Shutdown closes the listener at once, and Run waits for the
// request in flight (HandlerChainWaitGroup) before it returns.
func TestV19RunWaitsForTheRequestInFlight(t *testing.T) {
	e := runEra(t, server.EraV19, nil)
	answer := e.slow(t)
	trace.Close(e.ctx, e.stopCh)
	waitUntil(t, func() bool { return strings.Contains(e.rec.Logs(), "Stopped listening on") })
	select {
	case err := <-e.ran:
		t.Fatalf("Run returned (%v) while a request was in flight; v1.9's waits for it", err)
	default:
	}
	close(e.release)
	if code := kittest.Await(t, answer, "the slow request's answer"); code != http.StatusOK {
		t.Errorf("the slow request got %d; want 200: v1.9 answers it", code)
	}
	if err := kittest.Await(t, e.ran, "Run's return"); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	e.rec.Wait(t)
	e.end()
	order := closedInOrder(e.rec)
	if !before(order, "stopCh", "listener.close") || !before(order, "listener.close", "Stopped listening") ||
		!before(order, "internalStopCh", "auditStopCh") {
		t.Errorf("closes = %q; want stopCh, then the listener and Stopped listening, and auditStopCh after internalStopCh", order)
	}
	if !strings.Contains(e.rec.Logs(), "HandlerChainWaitGroup.Wait() returned") {
		t.Errorf("the log does not say Run waited for HandlerChainWaitGroup:\n%s", e.rec.Logs())
	}
}

// v1.9: once Run waits, a new request that is not long-running is refused
// with upstream's 500 (on a connection opened before the listener closed).
func TestV19RefusesNewRequestsWhileWaiting(t *testing.T) {
	e := runEra(t, server.EraV19, nil)
	e.slow(t)
	// A second connection, idle in the client's pool, opened before the stop.
	if code := e.status("/healthz"); code != http.StatusOK {
		t.Fatalf("GET /healthz = %d", code)
	}
	trace.Close(e.ctx, e.stopCh)
	waitUntil(t, func() bool { return strings.Contains(e.rec.Logs(), "HandlerChainWaitGroup.Wait()") })
	// Shutdown closes idle connections, so the client may find none: then
	// it cannot connect at all (the listener is closed).
	resp, err := e.client.Get(e.base + "/version")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError || strings.TrimSpace(string(b)) != "Apisever is shutting down." {
			t.Errorf("GET /version while Run waits = %d %q; want 500 Apisever is shutting down.", resp.StatusCode, b)
		}
	}
	close(e.release)
	kittest.Await(t, e.ran, "Run's return")
	e.rec.Wait(t)
}

// modern, default flags: the lifecycle signals in upstream's order, the
// listener stopped before the request in flight is drained, and Run
// returning after both.
func TestModernShutdownOrderWithARequestInFlight(t *testing.T) {
	e := runEra(t, server.EraModern, nil)
	if code := e.status("/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz = %d; want 200", code)
	}
	answer := e.slow(t)
	trace.Close(e.ctx, e.stopCh)
	// Answer the request once the server has stopped listening.
	waitUntil(t, func() bool {
		return !slices.ContainsFunc(e.rec.Kit.Stats().Open, func(o trace.Open) bool { return o.Name == "HTTPServerStoppedListening" })
	})
	close(e.release)
	if code := kittest.Await(t, answer, "the slow request's answer"); code != http.StatusOK {
		t.Errorf("the slow request got %d; want 200: modern drains it", code)
	}
	if err := kittest.Await(t, e.ran, "Run's return"); err != nil {
		t.Errorf("Run = %v; want nil", err)
	}
	e.rec.Wait(t)
	e.end()
	order := closedInOrder(e.rec)
	for _, pair := range [][2]string{
		{"stopCh", "ShutdownInitiated"},
		{"ShutdownInitiated", "AfterShutdownDelayDuration"},
		{"AfterShutdownDelayDuration", "NotAcceptingNewRequest"},
		{"PreShutdownHooksStopped", "NotAcceptingNewRequest"},
		{"NotAcceptingNewRequest", "stopHTTPServerCtx"},
		{"stopHTTPServerCtx", "internalStopCh"},
		{"internalStopCh", "listener.close"},
		{"listener.close", "Stopped listening"},
		{"Stopped listening", "listenerStoppedCh"},
		{"listenerStoppedCh", "HTTPServerStoppedListening"},
		// The request was still in flight when the listener stopped.
		{"HTTPServerStoppedListening", "nonLongRunningRequestDrainedCh"},
		{"nonLongRunningRequestDrainedCh", "InFlightRequestsDrained"},
		{"activeWatchesDrainedCh", "InFlightRequestsDrained"},
	} {
		if !before(order, pair[0], pair[1]) {
			t.Errorf("%s is not before %s in %q", pair[0], pair[1], order)
		}
	}
	if !slices.Contains(order, "HasBeenReady") || !slices.Contains(order, "MuxAndDiscoveryComplete") {
		t.Errorf("closes = %q; want HasBeenReady (after the first /readyz) and MuxAndDiscoveryComplete", order)
	}
}

// modern, --shutdown-delay-duration: during the delay the listener stays
// open and requests are served, /readyz fails and /healthz and /livez
// pass. The probes must all be answered before the delay is over, which
// the order of the kit's events proves (a machine too slow for a 2s delay
// would fail here rather than pass without having seen it).
func TestModernDelayFailsReadyzOnly(t *testing.T) {
	e := runEra(t, server.EraModern, func(c *server.Config) { c.ShutdownDelayDuration = 2 * time.Second })
	trace.Close(e.ctx, e.stopCh)
	waitUntil(t, func() bool { return e.status("/readyz") == http.StatusInternalServerError })
	probes := map[string]int{}
	for _, path := range []string{"/readyz", "/healthz", "/livez", "/"} {
		probes[path] = e.status(path)
	}
	trace.Log(e.ctx).Info().Msg("test: probed during the delay")
	if want := map[string]int{"/readyz": 500, "/healthz": 200, "/livez": 200, "/": 200}; !maps.Equal(probes, want) {
		t.Errorf("during the delay: %v; want %v", probes, want)
	}
	resp, err := e.client.Get(e.base + "/readyz/shutdown")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := strings.TrimSpace(string(b)); got != "internal server error: process is shutting down" {
		t.Errorf("GET /readyz/shutdown = %q; want upstream's error", got)
	}
	kittest.Await(t, e.ran, "Run's return")
	e.rec.Wait(t)
	e.end()
	var order []string
	for _, ev := range e.rec.Events() {
		if ev.Name == "test: probed during the delay" || ev.Attrs[trace.ChanNameKey] == "AfterShutdownDelayDuration" && ev.Name == trace.EventChanClose ||
			ev.Name == trace.EventListenerClose {
			order = append(order, ev.Name)
		}
	}
	if want := []string{"test: probed during the delay", trace.EventChanClose, trace.EventListenerClose}; !slices.Equal(order, want) {
		t.Errorf("order = %q; want the probes, then the delay's end, then the listener's close", order)
	}
}
