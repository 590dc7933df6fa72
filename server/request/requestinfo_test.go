package request_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/kubewalk/kubewalk/server/authentication/user"
	"github.com/kubewalk/kubewalk/server/request"
	"k8s.io/apimachinery/pkg/util/sets"
)

func resolver() *request.RequestInfoFactory {
	return &request.RequestInfoFactory{
		APIPrefixes:          sets.New("api", "apis"),
		GrouplessAPIPrefixes: sets.New("api"),
	}
}

// The cases are the facts of upstream's TestGetAPIRequestInfo (v1.7).
func TestResourceRequests(t *testing.T) {
	tests := []struct {
		method, url                                                  string
		verb, prefix, group, version, namespace, resource, sub, name string
		parts                                                        []string
	}{
		// resource paths
		{"GET", "/api/v1/namespaces", "list", "api", "", "v1", "", "namespaces", "", "", []string{"namespaces"}},
		{"GET", "/api/v1/namespaces/other", "get", "api", "", "v1", "other", "namespaces", "", "other", []string{"namespaces", "other"}},
		{"GET", "/api/v1/namespaces/other/pods", "list", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"HEAD", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"GET", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"HEAD", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", []string{"pods"}},

		// special verbs
		{"GET", "/api/v1/proxy/namespaces/other/pods/foo", "proxy", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"GET", "/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource", "proxy", "api", "", "v1", "other", "pods", "", "foo",
			[]string{"pods", "foo", "subpath", "not", "a", "subresource"}},
		{"GET", "/api/v1/redirect/namespaces/other/pods/foo", "redirect", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"GET", "/api/v1/watch/pods", "watch", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/pods?watch=true", "watch", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/pods?watch=false", "list", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/watch/namespaces/other/pods", "watch", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods?watch=1", "watch", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods?watch=0", "list", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},

		// subresource identification
		{"GET", "/api/v1/namespaces/other/pods/foo/status", "get", "api", "", "v1", "other", "pods", "status", "foo", []string{"pods", "foo", "status"}},
		{"GET", "/api/v1/namespaces/other/pods/foo/proxy/subpath", "get", "api", "", "v1", "other", "pods", "proxy", "foo",
			[]string{"pods", "foo", "proxy", "subpath"}},
		{"PUT", "/api/v1/namespaces/other/finalize", "update", "api", "", "v1", "other", "namespaces", "finalize", "other",
			[]string{"namespaces", "other", "finalize"}},
		{"PUT", "/api/v1/namespaces/other/status", "update", "api", "", "v1", "other", "namespaces", "status", "other",
			[]string{"namespaces", "other", "status"}},

		// verb identification
		{"PATCH", "/api/v1/namespaces/other/pods/foo", "patch", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"DELETE", "/api/v1/namespaces/other/pods/foo", "delete", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"POST", "/api/v1/namespaces/other/pods", "create", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"OPTIONS", "/api/v1/pods/foo", "", "api", "", "v1", "", "pods", "", "foo", []string{"pods", "foo"}},

		// deletecollection
		{"DELETE", "/api/v1/nodes", "deletecollection", "api", "", "v1", "", "nodes", "", "", []string{"nodes"}},
		{"DELETE", "/api/v1/namespaces/other/pods", "deletecollection", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"DELETE", "/apis/extensions/v1/namespaces/other/pods", "deletecollection", "apis", "extensions", "v1", "other", "pods", "", "",
			[]string{"pods"}},

		// group and version
		{"POST", "/apis/extensions/v1/namespaces/other/pods", "create", "apis", "extensions", "v1", "other", "pods", "", "", []string{"pods"}},
		{"POST", "/apis/extensions/v1beta3/namespaces/other/pods", "create", "apis", "extensions", "v1beta3", "other", "pods", "", "",
			[]string{"pods"}},
	}
	for _, tc := range tests {
		info, err := resolver().NewRequestInfo(httptest.NewRequest(tc.method, tc.url, nil))
		if err != nil {
			t.Errorf("NewRequestInfo(%s %s) error = %v", tc.method, tc.url, err)
			continue
		}
		got := []string{info.Verb, info.APIPrefix, info.APIGroup, info.APIVersion, info.Namespace, info.Resource, info.Subresource, info.Name}
		want := []string{tc.verb, tc.prefix, tc.group, tc.version, tc.namespace, tc.resource, tc.sub, tc.name}
		if !slices.Equal(got, want) {
			t.Errorf("NewRequestInfo(%s %s) verb, prefix, group, version, namespace, resource, subresource, name = %q; want %q",
				tc.method, tc.url, got, want)
		}
		if !info.IsResourceRequest || !slices.Equal(info.Parts, tc.parts) {
			t.Errorf("NewRequestInfo(%s %s) IsResourceRequest, Parts = %v, %q; want true, %q",
				tc.method, tc.url, info.IsResourceRequest, info.Parts, tc.parts)
		}
	}
}

// The cases are the facts of upstream's TestGetNonAPIRequestInfo and the
// error cases of TestGetAPIRequestInfo (v1.7).
func TestNonResourceRequests(t *testing.T) {
	tests := []struct {
		url      string
		resource bool
	}{
		{"/api/version/resource", true},
		{"/apis/group/version/resource/name/subresource", true},
		{"/api/version/resource/name/subresource", true},
		{"/apis/batch/v1/job", true},
		{"/apis/batch/v1/job/foo", true},
		{"/apis/batch/v1/job/foo/scale", true},

		{"/not-api/version/resource", false},
		{"/badprefix/version/resource", false},
		{"/apis/version/resource", false},
		{"/apis/extensions/v1beta1", false},
		{"/apis/extensions/v1beta1/", false},
		{"/apis/group/version/", false},
		{"/api/version", false},
		{"/api/version/", false},
		{"/api", false},
		{"/healthz", false},
		{"/", false},
	}
	for _, tc := range tests {
		info, err := resolver().NewRequestInfo(httptest.NewRequest("POST", tc.url, nil))
		if err != nil {
			t.Errorf("NewRequestInfo(%s) error = %v", tc.url, err)
			continue
		}
		if info.IsResourceRequest != tc.resource {
			t.Errorf("NewRequestInfo(%s).IsResourceRequest = %v; want %v", tc.url, info.IsResourceRequest, tc.resource)
		}
		if !tc.resource && (info.Verb != "post" || info.Path != tc.url) {
			t.Errorf("NewRequestInfo(POST %s) verb, path = %q, %q; want post, %q", tc.url, info.Verb, info.Path, tc.url)
		}
	}
}

func TestSpecialVerbWithoutResource(t *testing.T) {
	info, err := resolver().NewRequestInfo(httptest.NewRequest("GET", "/api/v1/watch", nil))
	want := "unable to determine kind and namespace from url, /api/v1/watch"
	if err == nil || err.Error() != want {
		t.Fatalf("NewRequestInfo(/api/v1/watch) error = %v; want %q", err, want)
	}
	if info == nil || info.APIVersion != "v1" {
		t.Errorf("NewRequestInfo(/api/v1/watch) = %+v; want what was parsed before the error", info)
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if _, ok := request.UserFrom(ctx); ok {
		t.Error("UserFrom(empty) ok = true; want false")
	}
	if _, ok := request.RequestInfoFrom(ctx); ok {
		t.Error("RequestInfoFrom(empty) ok = true; want false")
	}
	u := &user.DefaultInfo{Name: "alice"}
	info := &request.RequestInfo{Verb: "get"}
	ctx = request.WithRequestInfo(request.WithUser(ctx, u), info)
	if got, ok := request.UserFrom(ctx); !ok || got != u {
		t.Errorf("UserFrom = %v, %v; want %v, true", got, ok, u)
	}
	if got, ok := request.RequestInfoFrom(ctx); !ok || got != info {
		t.Errorf("RequestInfoFrom = %v, %v; want %v, true", got, ok, info)
	}
}
