package trace_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestTransportTiesTheServersSpanToTheGoroutineThatAsked sends a request
// from a kit goroutine through Transport to a server whose handler opens
// request spans: the client span is the goroutine's child, and the
// server's span the client span's, in one trace.
func TestTransportTiesTheServersSpanToTheGoroutineThatAsked(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	k, err := trace.Setup(trace.Config{Exporter: exp, Requests: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := k.Context(context.Background())
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, end := trace.Request(r)
		defer end(http.StatusOK)
		io.WriteString(w, "ok")
	}))
	ts.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	ts.Start()
	defer ts.Close()

	transport := &http.Transport{}
	client := &http.Client{Transport: trace.Transport(ctx)(transport)}
	<-trace.Go(ctx, "asker", func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/ask", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	k.CloseIdleConnections() // the kit kept the transport: no connection is left
	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() { // before Shutdown, which empties the exporter
		byName[s.Name+" "+s.SpanKind.String()] = s
	}
	if err := k.Shutdown(context.Background(), trace.EndNormal); err != nil {
		t.Fatal(err)
	}
	asker, client_, server := byName["asker internal"], byName["GET /ask client"], byName["GET /ask server"]
	if !client_.SpanContext.IsValid() || !server.SpanContext.IsValid() {
		t.Fatalf("spans = %v; want a client and a server span for GET /ask", keys(byName))
	}
	if client_.Parent.SpanID() != asker.SpanContext.SpanID() {
		t.Error("the client span is not a child of the goroutine that sent the request")
	}
	if server.Parent.SpanID() != client_.SpanContext.SpanID() || server.SpanContext.TraceID() != asker.SpanContext.TraceID() {
		t.Error("the server's request span is not the client span's child, in the same trace")
	}
}

func keys(m map[string]tracetest.SpanStub) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
