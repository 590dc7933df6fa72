package nonblockingrun

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kubewalk/kubewalk/server"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/mux"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// BenchmarkInsecureChainFilters serves GET /healthz from one goroutine,
// with no network, through the insecure chain built up one filter at a
// time, in BuildInsecureHandlerChain's order from the inside out, under a
// kit that neither traces nor logs: what each filter adds to a request,
// without the noise of the loopback and of a client sharing the cores
// (chapters/app's BenchmarkChain measures the whole with both). Each
// sub-benchmark is the one before it plus one filter; bare and
// bare+WithTimeout are BenchmarkBareNetHTTP's handlers, for comparison,
// served as there without a kit.
// WithTimeout runs the handler in a goroutine of its own, so from that
// filter on a request also pays for starting it and for waking up twice.
func BenchmarkInsecureChainFilters(b *testing.B) {
	kit, err := trace.Setup(trace.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := kit.Context(context.Background())
	c := server.NewConfig().Complete().Config

	bare := http.NewServeMux()
	healthz.InstallHandler(bare, healthz.PingHealthz)
	timeout := func(*http.Request) (<-chan time.Time, *apierrors.StatusError) {
		return time.After(time.Minute), apierrors.NewServerTimeout(schema.GroupResource{}, "get", 0)
	}
	aggregator := mux.NewPathRecorderMux("kube-aggregator")
	healthz.InstallHandler(aggregator, healthz.PingHealthz)

	type rung struct {
		name string
		h    http.Handler
		info bool // the request carries its RequestInfo, as WithRequestInfo would give it
		kit  bool // the request's context carries the kit, as app.Run's requests do
	}
	rungs := []rung{{"bare", bare, false, false}, {"bare+WithTimeout", filters.WithTimeout(bare, timeout), false, false}}
	var h http.Handler = aggregator
	add := func(name string, next http.Handler) {
		h = next
		rungs = append(rungs, rung{name, h, name != "+WithRequestInfo" && name != "+WithTracing", true})
	}
	add("mux", aggregator)
	add("+WithAuthentication", filters.WithAuthentication(h, insecureSuperuser{}, filters.Unauthorized()))
	add("+WithCORS", filters.WithCORS(h, c.CorsAllowedOriginList, nil, nil, nil, "true"))
	add("+WithPanicRecovery", filters.WithPanicRecovery(h))
	add("+WithTimeoutForNonLongRunningRequests", filters.WithTimeoutForNonLongRunningRequests(h, c.LongRunningFunc, c.RequestTimeout))
	add("+WithMaxInFlightLimit", filters.WithMaxInFlightLimit(h, c.MaxRequestsInFlight, c.MaxMutatingRequestsInFlight, c.LongRunningFunc))
	add("+WithRequestInfo", filters.WithRequestInfo(h, c.RequestInfoResolver))
	add("+WithTracing", filters.WithTracing(h))

	for _, r := range rungs {
		b.Run(r.name, func(b *testing.B) {
			// As net/http's: a cancellable context below the server's.
			base := context.Background()
			if r.kit {
				base = ctx
			}
			rctx, cancel := context.WithCancel(context.WithValue(base, http.ServerContextKey, (*http.Server)(nil)))
			defer cancel()
			req, err := http.NewRequestWithContext(rctx, http.MethodGet, "/healthz", nil)
			if err != nil {
				b.Fatal(err)
			}
			if r.info {
				info, err := c.RequestInfoResolver.NewRequestInfo(req)
				if err != nil {
					b.Fatal(err)
				}
				req = req.WithContext(request.WithRequestInfo(rctx, info))
			}
			b.ReportAllocs()
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				r.h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("GET /healthz = %d; want 200", w.code)
				}
			}
		})
	}
	if err := kit.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	if err := kit.Shutdown(ctx, trace.EndNormal); err != nil {
		b.Fatal(err)
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the
// body, with a fresh header map per request, as net/http gives.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// Flush lets the writer pass for a streaming one.
func (w *discardWriter) Flush() {}
