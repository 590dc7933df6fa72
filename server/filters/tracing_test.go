package filters_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/trace"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestWithTracing records a span per request, with the status the handler
// answered, when the kit records requests.
func TestWithTracing(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  string
		err     bool
	}{
		{"writes nothing", func(http.ResponseWriter, *http.Request) {}, "200", false},
		{"writes a body", ok, "200", false},
		{"not found", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "404", false},
		{"fails", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503); w.WriteHeader(200) }, "503", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exporter := tracetest.NewInMemoryExporter()
			kit, err := trace.Setup(trace.Config{Exporter: exporter, Requests: true})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(kit.Context(context.Background()), "GET", "/api/v1/namespaces", nil)
			filters.WithTracing(tc.handler).ServeHTTP(w, req)
			spans := exporter.GetSpans()
			if err := kit.Shutdown(context.Background(), trace.EndNormal); err != nil {
				t.Fatal(err)
			}

			var span *tracetest.SpanStub
			for i := range spans {
				if spans[i].Name == "GET /api/v1/namespaces" {
					span = &spans[i]
				}
			}
			if span == nil {
				t.Fatalf("no span GET /api/v1/namespaces among %d", len(spans))
			}
			var status string
			for _, a := range span.Attributes {
				if a.Key == "http.response.status_code" {
					status = a.Value.String()
				}
			}
			if status != tc.status || (span.Status.Code == codes.Error) != tc.err {
				t.Errorf("span status code %q, error %v; want %q, %v", status, span.Status.Code == codes.Error,
					tc.status, tc.err)
			}
		})
	}
}

// TestWithTracingOff: without a kit that records requests, the handler
// gets the request and writer it would get without the filter.
func TestWithTracingOff(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	var same bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, direct := w.(*httptest.ResponseRecorder)
		same = direct && r == req
	})
	filters.WithTracing(h).ServeHTTP(httptest.NewRecorder(), req)
	if !same {
		t.Error("with no kit the handler got another request or writer; want the same")
	}
}
