package filters_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/request"
	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// WithTimeout runs handlers in goroutines of their own; every test must
// let them end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// resolver parses paths as a generic server with /api and /apis does.
func resolver() request.RequestInfoResolver {
	return &request.RequestInfoFactory{APIPrefixes: sets.New("api", "apis"), GrouplessAPIPrefixes: sets.New("api")}
}

// withRequestInfo is filter wrapped in WithRequestInfo, which it needs.
func withRequestInfo(filter http.Handler) http.Handler {
	return filters.WithRequestInfo(filter, resolver())
}

// ok answers 200 "ok".
var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

// pointerHandler is a handler that can be compared with ==, unlike a
// HandlerFunc: the filters that are turned off must return it itself.
type pointerHandler struct{}

func (*pointerHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {}

func serve(h http.Handler, method, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

// readStatus decodes a JSON Status answer.
func readStatus(t *testing.T, w *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	var status metav1.Status
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &status); err != nil {
		t.Fatalf("reading the Status %q: %v", w.Body, err)
	}
	return status
}
