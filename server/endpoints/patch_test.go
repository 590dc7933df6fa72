package endpoints_test

import (
	"net/http"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPatch applies each patch type to a namespace and checks the
// result, then the answers upstream gives to patches it refuses.
func TestPatch(t *testing.T) {
	s := newServer(t)
	do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: ns("walk")})
	const path = "/api/v1/namespaces/walk"
	ok := []struct {
		name, contentType, body string
		check                   func(*corev1.Namespace) bool
	}{
		{"merge", "application/merge-patch+json", `{"metadata":{"labels":{"a":"1"}}}`,
			func(n *corev1.Namespace) bool { return n.Labels["a"] == "1" }},
		{"json", "application/json-patch+json", `[{"op":"add","path":"/metadata/annotations","value":{"b":"2"}}]`,
			func(n *corev1.Namespace) bool { return n.Annotations["b"] == "2" && n.Labels["a"] == "1" }},
		{"strategic", "application/strategic-merge-patch+json", `{"metadata":{"labels":{"a":null,"c":"3"}}}`,
			func(n *corev1.Namespace) bool { return n.Labels["c"] == "3" && n.Labels["a"] == "" }},
	}
	rv := ""
	for _, tc := range ok {
		resp, body := do(t, s, call{method: "PATCH", path: path, body: tc.body, contentType: tc.contentType})
		var got corev1.Namespace
		if resp.StatusCode != http.StatusOK || decode(t, body, &got) != "Namespace" || !tc.check(&got) {
			t.Errorf("%s patch = %d %s; want 200 and the change", tc.name, resp.StatusCode, body)
		}
		if got.ResourceVersion == rv {
			t.Errorf("%s patch kept resourceVersion %s; want a new one", tc.name, rv)
		}
		rv = got.ResourceVersion
	}

	crd := "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions"
	do(t, s, call{method: "POST", path: crd, body: `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"a.b"}}`})
	refused := []struct {
		name string
		call call
		code int
		msg  string
	}{
		{"JSON patch that is no JSON patch", call{method: "PATCH", path: path, body: `{"op":"add"}`,
			contentType: "application/json-patch+json"}, 400, ""},
		{"JSON patch whose test fails", call{method: "PATCH", path: path,
			body: `[{"op":"test","path":"/metadata/name","value":"other"}]`, contentType: "application/json-patch+json"}, 422, ""},
		{"merge patch that is no JSON", call{method: "PATCH", path: path, body: `{`, contentType: "application/merge-patch+json"}, 400, ""},
		{"strategic patch that is no JSON", call{method: "PATCH", path: path, body: `[`,
			contentType: "application/strategic-merge-patch+json"}, 400, ""},
		{"patch to another name", call{method: "PATCH", path: path, body: `{"metadata":{"name":"other"}}`,
			contentType: "application/merge-patch+json"}, 400, "the name of the object (other) does not match the name on the URL (walk)"},
		{"patch to an invalid label", call{method: "PATCH", path: path, body: `{"metadata":{"labels":{"bad key":"v"}}}`,
			contentType: "application/merge-patch+json"}, 422, "metadata.labels"},
		{"patch with an old resourceVersion", call{method: "PATCH", path: path, body: `{"metadata":{"resourceVersion":"1"}}`,
			contentType: "application/merge-patch+json"}, 409, "the object has been modified"},
		{"patch of a missing object", call{method: "PATCH", path: "/api/v1/namespaces/nope", body: `{}`,
			contentType: "application/merge-patch+json"}, 404, `namespaces "nope" not found`},
		{"patch in plain JSON", call{method: "PATCH", path: path, body: `{}`, contentType: "application/json"}, 415,
			"accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"},
		{"strategic patch of an unstructured resource", call{method: "PATCH", path: crd + "/a.b", body: `{}`,
			contentType: "application/strategic-merge-patch+json"}, 415,
			"accepted media types include: application/json-patch+json, application/merge-patch+json"},
	}
	reasons := map[int]metav1.StatusReason{400: metav1.StatusReasonBadRequest, 404: metav1.StatusReasonNotFound,
		409: metav1.StatusReasonConflict, 415: metav1.StatusReasonUnsupportedMediaType, 422: metav1.StatusReasonInvalid}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, tc.call)
			wantStatus(t, tc.name, resp, body, tc.code, reasons[tc.code], tc.msg)
		})
	}
	if got := listRV(t, s, "/api/v1/namespaces"); got != rv {
		// the CRD's create moved the revision on once
		if want := rvPlus(t, rv, 1); got != want {
			t.Errorf("list resourceVersion after refused patches = %s; want %s", got, want)
		}
	}
}
