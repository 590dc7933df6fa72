package filters_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/authorization/authorizer"
	"github.com/kubewalk/kubewalk/server/authorization/authorizerfactory"
	"github.com/kubewalk/kubewalk/server/filters"
	"github.com/kubewalk/kubewalk/server/request"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// withUser passes requests on as made by name ("" for no user).
func withUser(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name != "" {
			r = r.WithContext(request.WithUser(r.Context(), &user.DefaultInfo{Name: name}))
		}
		h.ServeHTTP(w, r)
	})
}

// TestWithAuthorizationForbidden checks the 403 Status of each kind of
// request: its message names the user, the verb and the resource (with
// group, subresource and namespace) or the path, and the reason.
func TestWithAuthorizationForbidden(t *testing.T) {
	tests := []struct {
		user, method, target string
		message              string
		details              metav1.StatusDetails // name, group and kind
	}{
		{"alice", "GET", "/api/v1/namespaces",
			`namespaces is forbidden: User "alice" cannot list namespaces at the cluster scope: Everything is forbidden.`,
			metav1.StatusDetails{Kind: "namespaces"}},
		{"alice", "DELETE", "/api/v1/namespaces/kube-system",
			// A namespace is in itself, for RequestInfo and so for the message.
			`namespaces "kube-system" is forbidden: User "alice" cannot delete namespaces in the namespace ` +
				`"kube-system": Everything is forbidden.`,
			metav1.StatusDetails{Name: "kube-system", Kind: "namespaces"}},
		{"bob", "GET", "/apis/apps/v1/namespaces/default/deployments/web",
			`deployments.apps "web" is forbidden: User "bob" cannot get deployments.apps in the namespace "default": ` +
				`Everything is forbidden.`,
			metav1.StatusDetails{Name: "web", Group: "apps", Kind: "deployments"}},
		{"bob", "GET", "/api/v1/namespaces/default/pods/p/log",
			`pods "p" is forbidden: User "bob" cannot get pods/log in the namespace "default": Everything is forbidden.`,
			metav1.StatusDetails{Name: "p", Kind: "pods"}},
		{"", "GET", "/healthz", `forbidden: User "" cannot get path "/healthz": Everything is forbidden.`,
			metav1.StatusDetails{}},
		// The path is the user's text: HTML in it is escaped, as upstream does.
		{"alice", "POST", "/<b>", `forbidden: User "alice" cannot post path "/&lt;b&gt;": Everything is forbidden.`,
			metav1.StatusDetails{}},
	}
	for _, tc := range tests {
		h := withUser(tc.user, withRequestInfo(
			filters.WithAuthorization(ok, authorizerfactory.NewAlwaysDenyAuthorizer())))
		w := serve(h, tc.method, tc.target)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s %s = %d; want 403", tc.method, tc.target, w.Code)
			continue
		}
		status := readStatus(t, w)
		if status.Reason != metav1.StatusReasonForbidden || status.Code != 403 || status.Message != tc.message {
			t.Errorf("%s %s: reason, code, message = %s, %d, %q; want Forbidden, 403, %q",
				tc.method, tc.target, status.Reason, status.Code, status.Message, tc.message)
		}
		var got metav1.StatusDetails
		if d := status.Details; d != nil {
			got = metav1.StatusDetails{Name: d.Name, Group: d.Group, Kind: d.Kind}
		}
		if got.Name != tc.details.Name || got.Group != tc.details.Group || got.Kind != tc.details.Kind {
			t.Errorf("%s %s: details = %+v; want %+v", tc.method, tc.target, got, tc.details)
		}
	}
}

// TestWithAuthorizationDecisions checks what each answer of an authorizer
// leads to, and what the authorizer was asked.
func TestWithAuthorizationDecisions(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		authorized bool
		err        error
		code       int
		body       string
	}{
		{"allowed", true, nil, 200, "ok"},
		{"allowed despite an error", true, boom, 200, "ok"},
		{"error", false, boom, 500, `Internal Server Error: "/apis/apps/v1/namespaces/default/deployments/web": boom`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked authorizer.Attributes
			a := authorizer.AuthorizerFunc(func(attrs authorizer.Attributes) (bool, string, error) {
				asked = attrs
				return tc.authorized, "", tc.err
			})
			h := withUser("carol", withRequestInfo(filters.WithAuthorization(ok, a)))
			w := serve(h, "PUT", "/apis/apps/v1/namespaces/default/deployments/web")
			if w.Code != tc.code || w.Body.String() != tc.body {
				t.Errorf("PUT = %d %q; want %d %q", w.Code, w.Body, tc.code, tc.body)
			}
			want := authorizer.AttributesRecord{
				User: &user.DefaultInfo{Name: "carol"}, Verb: "update", Namespace: "default", APIGroup: "apps",
				APIVersion: "v1", Resource: "deployments", Name: "web", ResourceRequest: true,
				Path: "/apis/apps/v1/namespaces/default/deployments/web",
			}
			got, isRecord := asked.(authorizer.AttributesRecord)
			if !isRecord || got.User.GetName() != "carol" {
				t.Fatalf("the authorizer was asked about %+v; want %+v", asked, want)
			}
			got.User = want.User
			if got != want {
				t.Errorf("the authorizer was asked about %+v; want %+v", got, want)
			}
		})
	}
}

func TestWithAuthorizationWithoutRequestInfo(t *testing.T) {
	h := filters.WithAuthorization(ok, authorizerfactory.NewAlwaysAllowAuthorizer())
	w := serve(h, "GET", "/healthz")
	want := `Internal Server Error: "/healthz": no RequestInfo found in the context`
	if w.Code != http.StatusInternalServerError || w.Body.String() != want {
		t.Errorf("GET /healthz without WithRequestInfo = %d %q; want 500 %q", w.Code, w.Body, want)
	}
}

func TestWithAuthorizationOff(t *testing.T) {
	h := &pointerHandler{}
	if got := filters.WithAuthorization(h, nil); got != h {
		t.Errorf("WithAuthorization(h, nil) = %v; want h itself", got)
	}
}

func TestGetAuthorizerAttributesWithoutUser(t *testing.T) {
	req := httptest.NewRequest("GET", "/api", nil)
	info, _ := resolver().NewRequestInfo(req)
	req = req.WithContext(request.WithRequestInfo(req.Context(), info))
	attrs, err := filters.GetAuthorizerAttributes(req)
	if err != nil || attrs.GetUser() != nil || attrs.IsResourceRequest() || attrs.GetVerb() != "get" {
		t.Errorf("GetAuthorizerAttributes(GET /api) = %+v, %v; want no user, a non-resource get", attrs, err)
	}
}
