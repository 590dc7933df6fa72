package filters_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/authenticator"
	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/request"
	"github.com/kubewalk/kubewalk/trace/kittest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestWithAuthentication(t *testing.T) {
	alice := &user.DefaultInfo{Name: "alice"}
	tests := []struct {
		name     string
		auth     authenticator.RequestFunc
		code     int
		wantUser string // the user the handler sees; "" when it is not called
		wantLog  string
	}{
		{"accepted", func(*http.Request) (user.Info, bool, error) { return alice, true, nil }, 200, "alice", ""},
		{"no credentials", func(*http.Request) (user.Info, bool, error) { return nil, false, nil }, 401, "", ""},
		{"bad credentials", func(*http.Request) (user.Info, bool, error) { return nil, false, errors.New("bad token") },
			401, "", "Unable to authenticate the request due to an error: bad token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := kittest.New(t)
			var gotUser, gotHeader string
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if u, ok := request.UserFrom(r.Context()); ok {
					gotUser = u.GetName()
				}
				gotHeader = r.Header.Get("Authorization")
			})
			req := httptest.NewRequestWithContext(ctx, "GET", "/api/v1/namespaces", nil)
			req.Header.Set("Authorization", "Bearer secret")
			w := httptest.NewRecorder()
			filters.WithAuthentication(handler, tc.auth, filters.Unauthorized()).ServeHTTP(w, req)

			if w.Code != tc.code || gotUser != tc.wantUser {
				t.Errorf("code, user = %d, %q; want %d, %q", w.Code, gotUser, tc.code, tc.wantUser)
			}
			if tc.wantUser != "" && gotHeader != "" {
				t.Errorf("the handler saw Authorization %q; want it removed", gotHeader)
			}
			if tc.code == http.StatusUnauthorized {
				status := readStatus(t, w)
				if status.Kind != "Status" || status.Reason != metav1.StatusReasonUnauthorized ||
					status.Message != "Unauthorized" || status.Code != 401 {
					t.Errorf("Status = %+v; want kind Status, reason and message Unauthorized, code 401", status)
				}
			}
			if logs := rec.Logs(); tc.wantLog != "" && !strings.Contains(logs, tc.wantLog) {
				t.Errorf("log = %q; want it to contain %q", logs, tc.wantLog)
			}
		})
	}
}

func TestWithAuthenticationOff(t *testing.T) {
	h := &pointerHandler{}
	if got := filters.WithAuthentication(h, nil, filters.Unauthorized()); got != h {
		t.Errorf("WithAuthentication(h, nil, …) = %v; want h itself", got)
	}
}
