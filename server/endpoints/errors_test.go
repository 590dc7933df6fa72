package endpoints_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestErrors sends requests the server must refuse and checks the Status
// of each: its code, its reason and what its message names.
func TestErrors(t *testing.T) {
	const (
		crds       = "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions"
		notFound   = "the server could not find the requested resource"
		notAllowed = "the server does not allow this method on the requested resource"
	)
	crd := `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"a.b"}}`
	tests := []struct {
		name   string
		call   call
		code   int
		reason metav1.StatusReason
		msg    string
	}{
		// 404: no such object, resource, subresource or path
		{"missing namespace", call{method: "GET", path: "/api/v1/namespaces/nope"},
			404, metav1.StatusReasonNotFound, `namespaces "nope" not found`},
		{"missing CRD", call{method: "GET", path: crds + "/nope"},
			404, metav1.StatusReasonNotFound, `customresourcedefinitions.apiextensions.k8s.io "nope" not found`},
		{"update of a missing namespace", call{method: "PUT", path: "/api/v1/namespaces/nope", body: ns("nope")},
			404, metav1.StatusReasonNotFound, `namespaces "nope" not found`},
		{"unknown resource", call{method: "GET", path: "/api/v1/pods"}, 404, metav1.StatusReasonNotFound, notFound},
		{"subresource", call{method: "PUT", path: "/api/v1/namespaces/nope/status", body: ns("nope")},
			404, metav1.StatusReasonNotFound, notFound},
		{"trailing slash", call{method: "GET", path: "/api/v1/namespaces/"}, 404, metav1.StatusReasonNotFound, notFound},
		{"watch path of no resource", call{method: "GET", path: "/api/v1/watch/nothing"}, 404, metav1.StatusReasonNotFound, notFound},
		{"watch path with POST", call{method: "POST", path: "/api/v1/watch/namespaces"},
			405, metav1.StatusReasonMethodNotAllowed, "the server does not allow this method"},
		{"watch in YAML", call{method: "GET", path: "/api/v1/namespaces?watch=true", accept: "application/yaml"},
			406, metav1.StatusReasonNotAcceptable, "only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf"},
		{"watch with a bad resourceVersion", call{method: "GET", path: "/api/v1/namespaces?watch=true&resourceVersion=x"},
			422, metav1.StatusReasonInvalid, "resourceVersion"},
		{"unknown group", call{method: "GET", path: "/apis/example.com/v1"}, 404, metav1.StatusReasonNotFound, notFound},

		// 405: verbs and methods not served
		{"patch of a collection", call{method: "PATCH", path: "/api/v1/namespaces", body: "{}"},
			405, metav1.StatusReasonMethodNotAllowed, "the server does not allow this method"},
		{"deletecollection", call{method: "DELETE", path: crds}, 405, metav1.StatusReasonMethodNotAllowed,
			`deletecollection is not supported on resources of kind "customresourcedefinitions.apiextensions.k8s.io"`},
		{"POST to an object", call{method: "POST", path: "/api/v1/namespaces/nope", body: ns("nope")},
			405, metav1.StatusReasonMethodNotAllowed, notAllowed},
		{"POST without a namespace", call{method: "POST", path: "/api/v1/configmaps", body: "{}"},
			405, metav1.StatusReasonMethodNotAllowed, notAllowed},
		{"POST to discovery", call{method: "POST", path: "/api", body: "{}"},
			405, metav1.StatusReasonMethodNotAllowed, notAllowed},

		// 406 and 415: media types
		{"Accept nothing we write", call{method: "GET", path: "/api/v1/namespaces", accept: "text/html"},
			406, metav1.StatusReasonNotAcceptable, "only the following media types are accepted: application/json, " +
				"application/yaml, application/vnd.kubernetes.protobuf"},
		{"Accept only a Table", call{method: "GET", path: "/api/v1/namespaces",
			accept: "application/json;as=Table;v=v1;g=meta.k8s.io"},
			406, metav1.StatusReasonNotAcceptable, "only the following media types are accepted"},
		{"Accept protobuf of a CRD", call{method: "GET", path: crds, accept: protobufType},
			406, metav1.StatusReasonNotAcceptable, "only the following media types are accepted: application/json"},
		{"protobuf body of a CRD", call{method: "POST", path: crds, body: "\x6b\x38\x73\x00", contentType: protobufType,
			accept: jsonType}, 415, metav1.StatusReasonUnsupportedMediaType,
			"the body of the request was in an unknown format - accepted media types include: application/json"},
		{"text body", call{method: "POST", path: "/api/v1/namespaces", body: "nope", contentType: "text/plain"},
			415, metav1.StatusReasonUnsupportedMediaType, "accepted media types include: application/json, "},

		// 400 and 422: bodies and options we refuse
		{"not JSON", call{method: "POST", path: "/api/v1/namespaces", body: "{"}, 400, metav1.StatusReasonBadRequest, ""},
		{"another kind", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`},
			400, metav1.StatusReasonBadRequest, "the kind in the data (ConfigMap) does not match the expected kind (Namespace)"},
		{"another version", call{method: "POST", path: crds, body: strings.Replace(crd, "v1beta1", "v1", 1)},
			400, metav1.StatusReasonBadRequest, "the API version in the data (apiextensions.k8s.io/v1) does not match " +
				"the expected API version (apiextensions.k8s.io/v1beta1)"},
		{"unstructured body without kind", call{method: "POST", path: crds, body: `{"metadata":{"name":"a.b"}}`},
			400, metav1.StatusReasonBadRequest, "Object 'Kind' is missing"},
		{"name of another object", call{method: "PUT", path: "/api/v1/namespaces/nope", body: ns("other")},
			400, metav1.StatusReasonBadRequest,
			"the name of the object (other) does not match the name on the URL (nope)"},
		{"unsupported field selector", call{method: "GET", path: "/api/v1/namespaces?fieldSelector=spec.x%3Db"},
			400, metav1.StatusReasonBadRequest, "field label not supported: spec.x"},
		{"bad label selector", call{method: "GET", path: "/api/v1/namespaces?labelSelector=a%3D%3D%3Db"},
			400, metav1.StatusReasonBadRequest, ""},
		{"dry run", call{method: "POST", path: "/api/v1/namespaces?dryRun=All", body: ns("dry")},
			400, metav1.StatusReasonBadRequest, "dry run is not supported"},
		{"no name", call{method: "POST", path: "/api/v1/namespaces", body: ns("")},
			422, metav1.StatusReasonInvalid, "metadata.name: Required value: name or generateName is required"},
		{"name that is no path segment", call{method: "POST", path: crds, body: strings.Replace(crd, "a.b", "a%b", 1)},
			422, metav1.StatusReasonInvalid, `metadata.name: Invalid value: "a%b": may not contain '%'`},

		// anything else
		{"path of no group", call{method: "DELETE", path: "/nothing/here"},
			404, metav1.StatusReasonNotFound, notFound},
	}
	s := newServer(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, tc.call)
			wantStatus(t, tc.call.method+" "+tc.call.path, resp, body, tc.code, tc.reason, tc.msg)
		})
	}
}

// TestStatusMediaType checks that an error is written in the media type
// the request accepts, or in JSON if it accepts none we write.
func TestStatusMediaType(t *testing.T) {
	tests := []struct {
		accept, want string
		reason       metav1.StatusReason
	}{
		{"", jsonType, metav1.StatusReasonNotFound},
		{protobufType, protobufType, metav1.StatusReasonNotFound},
		{"application/yaml", "application/yaml", metav1.StatusReasonNotFound},
		{"text/html", jsonType, metav1.StatusReasonNotAcceptable},
	}
	s := newServer(t)
	for _, tc := range tests {
		resp, body := do(t, s, call{method: "GET", path: "/api/v1/namespaces/nope", accept: tc.accept})
		if got := resp.Header.Get("Content-Type"); got != tc.want {
			t.Errorf("Accept %q: Content-Type %s; want %s", tc.accept, got, tc.want)
		}
		var status metav1.Status
		decode(t, body, &status)
		if status.Reason != tc.reason {
			t.Errorf("Accept %q: reason %q; want %q", tc.accept, status.Reason, tc.reason)
		}
	}
}

// TestNegotiation checks which media type an Accept header gets: the
// first that we write, by q value, passing over kubectl's Table and the
// aggregated discovery clauses, whose parameters ask for more than a
// plain serializer makes.
func TestNegotiation(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", jsonType},
		{"*/*", jsonType},
		{"application/*", jsonType},
		{protobufType + ", */*", protobufType},
		{"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
			jsonType},
		{"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", jsonType},
		{"application/json;as=Table;v=v1;g=meta.k8s.io, application/yaml", "application/yaml"},
		{"application/yaml;q=0.5, " + protobufType, protobufType},
		{"application/yaml, " + protobufType + ";q=0.9", "application/yaml"},
		{jsonType + ";q=0, application/yaml", "application/yaml"},
		{jsonType + ";charset=utf-8", jsonType},
		{jsonType + ";stream=watch", jsonType}, // unknown to a read: ignored, as upstream does
		{protobufType + ";sv=v1, application/yaml", "application/yaml"},
		{"text/html, application/json", jsonType},
	}
	s := newServer(t)
	for _, tc := range tests {
		for _, path := range []string{"/api/v1/namespaces", "/api/v1"} {
			resp, body := do(t, s, call{method: "GET", path: path, accept: tc.accept})
			if got := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || got != tc.want {
				t.Errorf("GET %s, Accept %q = %d %s; want 200 %s", path, tc.accept, resp.StatusCode, got, tc.want)
				continue
			}
			if path == "/api/v1" {
				continue
			}
			if kind := decode(t, body, &corev1.NamespaceList{}); kind != "NamespaceList" {
				t.Errorf("GET %s, Accept %q: kind %q; want NamespaceList, not a Table", path, tc.accept, kind)
			}
		}
	}
}

// TestPrettyJSON checks that people get indented JSON: curl, or anyone
// who asks with ?pretty=true or pretty=1 in Accept; programs get it
// compact.
func TestPrettyJSON(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		path, userAgent, accept string
		pretty                  bool
	}{
		{"/api/v1/namespaces", "", "", false},
		{"/api/v1/namespaces", "curl/8.0", "", true},
		{"/api/v1/namespaces?pretty=false", "curl/8.0", "", false},
		{"/api/v1/namespaces?pretty=true", "", "", true},
		{"/api/v1/namespaces", "", jsonType + ";pretty=1", true},
	}
	for _, tc := range tests {
		req, err := http.NewRequest("GET", s.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("User-Agent", tc.userAgent)
		req.Header.Set("Accept", tc.accept)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		_, err = io.Copy(&buf, resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "\n  "); got != tc.pretty {
			t.Errorf("GET %s as %q, Accept %q: indented = %v; want %v", tc.path, tc.userAgent, tc.accept, got, tc.pretty)
		}
	}
}
