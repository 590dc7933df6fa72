package filters_test

import (
	"net/http"
	"testing"

	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/request"
	"k8s.io/apimachinery/pkg/util/sets"
)

func TestWithRequestInfo(t *testing.T) {
	var got *request.RequestInfo
	h := withRequestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = request.RequestInfoFrom(r.Context())
	}))
	serve(h, "DELETE", "/api/v1/namespaces/default/configmaps/settings")
	if got == nil || got.Verb != "delete" || got.Namespace != "default" || got.Resource != "configmaps" ||
		got.Name != "settings" || !got.IsResourceRequest {
		t.Errorf("the handler saw %+v; want a delete of configmap default/settings", got)
	}
}

func TestWithRequestInfoError(t *testing.T) {
	w := serve(withRequestInfo(ok), "GET", "/api/v1/watch")
	want := `Internal Server Error: "/api/v1/watch": failed to create RequestInfo: ` +
		"unable to determine kind and namespace from url, /api/v1/watch"
	if w.Code != http.StatusInternalServerError || w.Body.String() != want ||
		w.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("GET /api/v1/watch = %d %q (%s); want 500 %q in text/plain",
			w.Code, w.Body, w.Header().Get("Content-Type"), want)
	}
}

func TestBasicLongRunningRequestCheck(t *testing.T) {
	check := filters.BasicLongRunningRequestCheck(sets.New("watch", "proxy"), sets.New("log", "exec"))
	tests := []struct {
		method, target string
		want           bool
	}{
		{"GET", "/api/v1/namespaces?watch=true", true},
		{"GET", "/api/v1/watch/namespaces", true},
		{"GET", "/api/v1/proxy/namespaces/default/pods/p", true},
		{"GET", "/api/v1/namespaces/default/pods/p/log", true},
		{"POST", "/api/v1/namespaces/default/pods/p/exec", true},
		{"GET", "/api/v1/namespaces", false},
		{"GET", "/api/v1/namespaces/default/pods/p/status", false},
		{"GET", "/healthz", false},
	}
	for _, tc := range tests {
		var got bool
		h := withRequestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, _ := request.RequestInfoFrom(r.Context())
			got = check(r, info)
		}))
		serve(h, tc.method, tc.target)
		if got != tc.want {
			t.Errorf("long-running(%s %s) = %v; want %v", tc.method, tc.target, got, tc.want)
		}
	}
}
