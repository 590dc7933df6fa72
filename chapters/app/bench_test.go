package app_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/chapters/app"
	"github.com/kubewalk/kubewalk/chapters/options"
	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/trace"
	"github.com/kubewalk/kubewalk/trace/kittest"
	"github.com/rs/zerolog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The benchmarks in this file time the miniature kube-apiserver as a
// whole: how long app.Run takes to serve, how long the cascade after
// stopCh takes, and what a request through the full handler chain costs
// next to a bare net/http server. scripts/bench runs them with a long
// -benchtime and writes the table of docs/performance.md; CI runs them
// once each (-benchtime 1x) so they keep compiling and working.

// kits are the setups the benchmarks run under, by sub-benchmark name.
// Each cfg call returns a config with an exporter of its own: a kit's
// Shutdown shuts its exporter down, and the benchmarks set up a kit per
// boot.
var kits = []struct {
	name string
	cfg  func(b *testing.B) trace.Config
}{
	// Every span, requests included, through the walkthrough's exporter,
	// into io.Discard so the disk is not measured.
	{"traced", func(*testing.B) trace.Config {
		return trace.Config{TraceWriter: io.Discard, Requests: true}
	}},
	// Every span recorded by the SDK and dropped by the exporter: traced
	// without the cost of encoding spans as JSON.
	{"recorded", func(*testing.B) trace.Config {
		return trace.Config{Exporter: kittest.Dropping{}, Requests: true}
	}},
	// No trace file and no log: the kit only counts.
	{"off", func(*testing.B) trace.Config { return trace.Config{} }},
	// No trace file, and the walkthrough's console log at info, into
	// io.Discard: --trace-file="" without the terminal.
	{"console", func(*testing.B) trace.Config {
		return trace.Config{Log: io.Discard, NoColor: true, LogLevel: zerolog.InfoLevel, Timestamps: true}
	}},
}

// running is one app.Run on loopback listeners.
type running struct {
	kit              *trace.Kit
	ctx              context.Context // carries kit
	opts             *options.ServerRunOptions
	insecure, secure string // host:port
	stopCh           chan struct{}
	done             <-chan struct{}
	runErr           chan error
}

// prepare sets up a kit from cfg, the default options, and both ports
// bound on 127.0.0.1:0: everything app.Run is given.
func prepare(b *testing.B, cfg trace.Config) *running {
	b.Helper()
	kit, err := trace.Setup(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := kit.Context(context.Background())
	s := options.NewServerRunOptions(ctx)
	s.InsecureServing.Listener, s.SecureServing.Listener = listenB(b), listenB(b)
	// Under the default AlwaysAllow anonymous requests are off, so the
	// secure port wants a bearer token, as a real client would send.
	s.Authentication.TokenFile = benchTokenFile(b)
	return &running{
		kit:      kit,
		ctx:      ctx,
		opts:     s,
		insecure: s.InsecureServing.Listener.Addr().String(),
		secure:   s.SecureServing.Listener.Addr().String(),
		stopCh:   make(chan struct{}),
		runErr:   make(chan error, 1),
	}
}

// start calls app.Run in a kit goroutine and returns at once.
func (r *running) start() {
	r.done = trace.Go(r.ctx, "bench: app.Run", func(ctx context.Context) {
		r.runErr <- app.Run(ctx, r.opts, r.stopCh)
	})
}

// boot is prepare and start.
func boot(b *testing.B, cfg trace.Config) *running {
	b.Helper()
	r := prepare(b, cfg)
	r.start()
	return r
}

// stop closes stopCh, waits for Run to return and for every goroutine of
// the kit to end, then stops what upstream never stops (the bootstrap
// controller's loops) and closes the loopback client's connections, as
// the process's exit would.
func (r *running) stop(b *testing.B) {
	b.Helper()
	close(r.stopCh)
	<-r.done
	if err := <-r.runErr; err != nil {
		b.Errorf("Run = %v; want nil", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.kit.Wait(ctx); err != nil {
		b.Fatalf("goroutines still running after stopCh closed: %v", r.kit.Stats().Open)
	}
	r.kit.StopNeverStopped()
	if err := r.kit.Wait(ctx); err != nil {
		b.Fatalf("the loops upstream never stops did not end: %v", r.kit.Stats().Open)
	}
	r.kit.CloseIdleConnections()
}

// shutdown writes the kit's summary span and ends it.
func (r *running) shutdown(b *testing.B) {
	b.Helper()
	if err := r.kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
		b.Error(err)
	}
}

func listenB(b *testing.B) net.Listener {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return ln
}

// benchToken authenticates the benchmarks' client on the secure port.
const benchToken = "bench-token"

// benchTokenFile writes a --token-auth-file that knows benchToken.
func benchTokenFile(b *testing.B) string {
	b.Helper()
	f := filepath.Join(b.TempDir(), "tokens.csv")
	if err := os.WriteFile(f, []byte(benchToken+",bench,1\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return f
}

// newClient returns a keep-alive client that trusts the secure port's
// self-signed certificate unchecked and sends benchToken, with room for
// idle connections to every parallel benchmark goroutine.
func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: bearer{&http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		MaxIdleConnsPerHost: 256,
	}}}
}

// bearer adds benchToken to every request sent through it.
type bearer struct{ *http.Transport }

func (t bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+benchToken)
	return t.Transport.RoundTrip(r)
}

// get fetches url and fails b unless it answers 200. The listeners are
// bound before Run starts, so a request sent while Run is still building
// the chain waits in the accept queue instead of failing: no polling.
func get(b *testing.B, c *http.Client, url string) {
	b.Helper()
	if err := fetch(c, url); err != nil {
		b.Fatal(err)
	}
}

// healthyB GETs url, a /healthz, until it answers 200: every post-start
// hook done and every APIService Available. The listeners are bound
// before Run starts, so a request sent while Run is still building the
// chain waits in the accept queue instead of failing; until the hooks are
// done it answers 500, and healthyB asks again at once. It fails b after
// kittest.Deadline.
func healthyB(b *testing.B, c *http.Client, url string) {
	b.Helper()
	deadline := time.Now().Add(kittest.Deadline)
	for {
		err := fetch(c, url)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.Fatal(err)
		}
	}
}

// fetch GETs url and reads the whole body; any answer but 200 is an error.
func fetch(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s = %d; want 200", url, resp.StatusCode)
	}
	return err
}

// BenchmarkBoot times app.Run from the call until both ports serve: they
// answer /healthz/ping, the check that always passes, with 200 (the
// secure one after a TLS handshake). The post-start hooks may still be
// running: BenchmarkBootHooks waits for them. Its ns/op is that time
// alone: see timedPart for why the rest of each iteration (the kit, the
// options, binding the ports, the stop) is not in it.
func BenchmarkBoot(b *testing.B) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			var booting time.Duration
			for b.Loop() {
				c := newClient()
				r := prepare(b, k.cfg(b))
				t0 := time.Now()
				r.start()
				get(b, c, "http://"+r.insecure+"/healthz/ping")
				get(b, c, "https://"+r.secure+"/healthz/ping")
				booting += time.Since(t0)
				// A stop now would close the port under the bootstrap
				// controller's first repair, which then ends the process
				// (glog.Fatalf, as upstream): let the hooks finish first.
				healthyB(b, c, "http://"+r.insecure+"/healthz")
				c.CloseIdleConnections()
				r.stop(b)
				r.shutdown(b)
			}
			timedPart(b, booting)
		})
	}
}

// BenchmarkBootHooks times app.Run from the call until every post-start
// hook has returned, as the kit counts them (reported as hooks-ns/op), and
// until the insecure port's /healthz answers 200 (ns/op): the hooks done
// and every APIService the aggregator registers Available. The second
// cannot be under 100 ms: the aggregator's controllers wait for their
// informers with client-go's WaitForCacheSync, which looks every 100 ms
// (v1.7's waited 100 ms before it first looked). See timedPart for the
// clock.
func BenchmarkBootHooks(b *testing.B) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			var hooks, healthy time.Duration
			for b.Loop() {
				c := newClient()
				r := prepare(b, k.cfg(b))
				t0 := time.Now()
				r.start()
				hooksDone(b, r.kit)
				hooks += time.Since(t0)
				healthyB(b, c, "http://"+r.insecure+"/healthz")
				healthy += time.Since(t0)
				c.CloseIdleConnections()
				r.stop(b)
				r.shutdown(b)
			}
			timedPart(b, healthy)
			b.ReportMetric(float64(hooks.Nanoseconds())/float64(b.N), "hooks-ns/op")
		})
	}
}

// hooksDone returns once the kit counts every post-start hook started as
// done, failing b after kittest.Deadline.
func hooksDone(b *testing.B, kit *trace.Kit) {
	b.Helper()
	for deadline := time.Now().Add(kittest.Deadline); ; time.Sleep(20 * time.Microsecond) {
		counts := kit.Stats().Counts
		if started := counts[server.CountHooksStarted]; started > 0 && counts[server.CountHooksDone] == started {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the post-start hooks were not done within %v: %v", kittest.Deadline, counts)
		}
	}
}

// BenchmarkStop times the cascade: from close(stopCh) until Run has
// returned and every goroutine the kit counted has ended. Its ns/op is
// that time alone (see timedPart); each iteration boots a server first.
func BenchmarkStop(b *testing.B) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			var stopping time.Duration
			for b.Loop() {
				c := newClient()
				r := boot(b, k.cfg(b))
				healthyB(b, c, "http://"+r.insecure+"/healthz")
				healthyB(b, c, "https://"+r.secure+"/healthz")
				// Closing stopCh closes the listeners, not the
				// connections (as upstream): the client closes its own.
				c.CloseIdleConnections()
				t0 := time.Now()
				r.stop(b)
				stopping += time.Since(t0)
				r.shutdown(b)
			}
			timedPart(b, stopping)
		})
	}
}

// timedPart reports spent, the time of the measured part of b's
// iterations, as ns/op. The benchmark's clock runs through whole
// iterations instead, so that the framework picks b.N from what an
// iteration really takes: a stop takes about 0.1 ms, the boot before it
// about 4 ms, and with the boot off the clock -benchtime 2s once ran
// 144 s. Allocations are not reported: they would count the whole
// iteration.
func timedPart(b *testing.B, spent time.Duration) {
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "ns/op")
}

// BenchmarkChain sends GET /healthz/ping through the full insecure chain
// (the seven filters, then the aggregator's mux) from parallel goroutines
// over keep-alive connections, once the hooks are done. ns/op is the
// inverse of the throughput; compare it with BenchmarkBareNetHTTP, which
// serves the same ping check. (Not /healthz: since the post-start hooks,
// the chain's /healthz runs every hook's check and autoregister-completion,
// which lists the APIServices, where the bare server's runs ping alone.)
func BenchmarkChain(b *testing.B) {
	for _, k := range kits {
		b.Run(k.name, func(b *testing.B) {
			r := boot(b, k.cfg(b))
			c := newClient()
			healthyB(b, c, "http://"+r.insecure+"/healthz") // Run serves, the hooks are done
			benchGet(b, c, "http://"+r.insecure+"/healthz/ping")
			c.CloseIdleConnections()
			r.stop(b)
			r.shutdown(b)
		})
	}
}

// BenchmarkBareNetHTTP is BenchmarkChain's baseline: a plain http.Server
// on loopback whose mux holds the same /healthz handlers, with no filter,
// no delegation and no kit, and the same client (plain). To show where the
// chain's cost comes from, goroutine puts the one filter that starts a
// goroutine per request, filters.WithTimeout, in front of that mux.
func BenchmarkBareNetHTTP(b *testing.B) {
	mux := http.NewServeMux()
	healthz.InstallHandler(mux, healthz.PingHealthz)
	timeout := func(*http.Request) (<-chan time.Time, *apierrors.StatusError) {
		return time.After(time.Minute), apierrors.NewServerTimeout(schema.GroupResource{}, "get", 0)
	}
	for _, bare := range []struct {
		name    string
		handler http.Handler
	}{
		{"plain", mux},
		{"goroutine", filters.WithTimeout(mux, timeout)},
	} {
		b.Run(bare.name, func(b *testing.B) { benchServer(b, bare.handler) })
	}
}

// benchServer serves h on loopback with a plain http.Server while
// benchGet sends it requests.
func benchServer(b *testing.B, h http.Handler) {
	srv := &http.Server{Handler: h}
	ln := listenB(b)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	c := newClient()
	benchGet(b, c, "http://"+ln.Addr().String()+"/healthz/ping")
	c.CloseIdleConnections()
	srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		b.Errorf("Serve = %v; want ErrServerClosed", err)
	}
}

// benchGet is the timed part of both: GETs of url from b.RunParallel's
// goroutines, reported also as req/s.
func benchGet(b *testing.B, c *http.Client, url string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := fetch(c, url); err != nil {
				b.Error(err) // not Fatal: this is not b's goroutine
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
