package healthz_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/healthz"
	"github.com/kubewalk/kubewalk/server/mux"
)

func get(h http.Handler, path string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Code, w.Body.String()
}

func TestInstallHandler(t *testing.T) {
	failing := healthz.NamedCheck("etcd", func(*http.Request) error { return errors.New("no etcd") })
	tests := []struct {
		name   string
		checks []healthz.HealthzChecker
		path   string
		code   int
		body   string
	}{
		{"no checks means ping", nil, "/healthz", 200, "ok"},
		{"no checks, ping alone", nil, "/healthz/ping", 200, "ok"},
		{"all pass", []healthz.HealthzChecker{healthz.PingHealthz}, "/healthz", 200, "ok"},
		{"all pass, verbose", []healthz.HealthzChecker{healthz.PingHealthz}, "/healthz?verbose", 200,
			"[+]ping ok\nhealthz check passed\n"},
		{"one fails", []healthz.HealthzChecker{healthz.PingHealthz, failing}, "/healthz", 500,
			"[+]ping ok\n[-]etcd failed: reason withheld\nhealthz check failed\n"},
		{"the failing check alone", []healthz.HealthzChecker{healthz.PingHealthz, failing}, "/healthz/etcd", 500,
			"internal server error: no etcd\n"},
		{"a passing check alone", []healthz.HealthzChecker{healthz.PingHealthz, failing}, "/healthz/ping", 200, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mux.NewPathRecorderMux("test")
			healthz.InstallHandler(m, tc.checks...)
			code, body := get(m, tc.path)
			if code != tc.code || body != tc.body {
				t.Errorf("GET %s = %d %q; want %d %q", tc.path, code, body, tc.code, tc.body)
			}
		})
	}
}
