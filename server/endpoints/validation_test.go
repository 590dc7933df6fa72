package endpoints_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestValidation sends objects v1.7 refuses and checks each answer: a 422
// Invalid Status whose causes name the field (or the 400 or 409 upstream
// gives), and that nothing refused reached the store: its
// resourceVersion does not move.
func TestValidation(t *testing.T) {
	s := newServer(t)
	_, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: ns("walk")})
	var walk corev1.Namespace
	decode(t, body, &walk)
	rv := listRV(t, s, "/api/v1/namespaces")

	tests := []struct {
		name  string
		call  call
		code  int
		field string // the cause's field, for a 422
		msg   string
	}{
		{"namespace name not a DNS label", call{method: "POST", path: "/api/v1/namespaces", body: ns("Bad_Name!")},
			422, "metadata.name", "a lowercase RFC 1123 label must consist of"},
		{"namespace name too long", call{method: "POST", path: "/api/v1/namespaces", body: ns(strings.Repeat("a", 64))},
			422, "metadata.name", "must be no more than 63 characters"},
		{"generateName not a DNS label", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"metadata":{"generateName":"Bad_"}}`}, 422, "metadata.generateName", ""},
		{"label key", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"metadata":{"name":"l","labels":{"bad key":"v"}}}`}, 422, "metadata.labels", "name part must consist of"},
		{"label value", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"metadata":{"name":"l","labels":{"k":"bad value"}}}`}, 422, "metadata.labels", "a valid label must be"},
		{"annotation key", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"metadata":{"name":"a","annotations":{"a/b/c":"v"}}}`}, 422, "metadata.annotations", ""},
		{"finalizer", call{method: "POST", path: "/api/v1/namespaces",
			body: `{"metadata":{"name":"f"},"spec":{"finalizers":["custom"]}}`}, 422, "spec.finalizers[0]",
			"name is neither a standard finalizer name nor is it fully qualified"},
		{"label on update", call{method: "PUT", path: "/api/v1/namespaces/walk",
			body: `{"metadata":{"name":"walk","labels":{"bad key":"v"}}}`}, 422, "metadata.labels", ""},
		{"namespace other than the path's", call{method: "POST", path: "/api/v1/namespaces/walk/configmaps",
			body: `{"metadata":{"name":"c","namespace":"other"}}`}, 400, "",
			"the namespace of the provided object does not match the namespace sent on the request"},
		{"uid changed on update", call{method: "PUT", path: "/api/v1/namespaces/walk",
			body: `{"metadata":{"name":"walk","uid":"not-the-uid"}}`}, 409, "", "Precondition failed: UID in precondition"},
		{"old resourceVersion on update", call{method: "PUT", path: "/api/v1/namespaces/walk",
			body: `{"metadata":{"name":"walk","resourceVersion":"1000"}}`}, 409, "",
			"the object has been modified; please apply your changes to the latest version and try again"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, s, tc.call)
			reason := map[int]metav1.StatusReason{400: metav1.StatusReasonBadRequest, 409: metav1.StatusReasonConflict,
				422: metav1.StatusReasonInvalid}[tc.code]
			wantStatus(t, tc.call.method+" "+tc.call.path, resp, body, tc.code, reason, tc.msg)
			if tc.field != "" && !hasCause(body, tc.field) {
				t.Errorf("causes in %s; want one for %s", body, tc.field)
			}
		})
	}
	if got := listRV(t, s, "/api/v1/namespaces"); got != rv {
		t.Errorf("list resourceVersion after refused writes = %s; want %s, unchanged", got, rv)
	}
}

// TestUpdateKeepsSystemFields checks v1.7's repair of an update: a
// creationTimestamp sent is replaced by the stored one, an empty uid is
// filled in.
func TestUpdateKeepsSystemFields(t *testing.T) {
	s := newServer(t)
	_, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: ns("walk")})
	var created corev1.Namespace
	decode(t, body, &created)
	resp, body := do(t, s, call{method: "PUT", path: "/api/v1/namespaces/walk",
		body: `{"metadata":{"name":"walk","creationTimestamp":"2001-01-01T00:00:00Z"}}`})
	var updated corev1.Namespace
	if resp.StatusCode != http.StatusOK || decode(t, body, &updated) != "Namespace" {
		t.Fatalf("PUT = %d %s; want 200", resp.StatusCode, body)
	}
	if !updated.CreationTimestamp.Equal(&created.CreationTimestamp) || updated.UID != created.UID {
		t.Errorf("updated creationTimestamp %v, uid %s; want %v and %s, the stored ones",
			updated.CreationTimestamp, updated.UID, created.CreationTimestamp, created.UID)
	}
}

// TestGenerateName creates a namespace from generateName.
func TestGenerateName(t *testing.T) {
	s := newServer(t)
	resp, body := do(t, s, call{method: "POST", path: "/api/v1/namespaces", body: `{"metadata":{"generateName":"walk-"}}`})
	var created corev1.Namespace
	if resp.StatusCode != http.StatusCreated || decode(t, body, &created) != "Namespace" {
		t.Fatalf("POST = %d %s; want 201", resp.StatusCode, body)
	}
	if !strings.HasPrefix(created.Name, "walk-") || len(created.Name) != len("walk-")+5 {
		t.Errorf("generated name %q; want walk- and five characters", created.Name)
	}
}

// listRV returns the resourceVersion of the list at path.
func listRV(t *testing.T, s *httptest.Server, path string) string {
	t.Helper()
	_, body := do(t, s, call{method: "GET", path: path})
	var list metav1.List
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("list %s: %v", path, err)
	}
	return list.ResourceVersion
}

// hasCause reports whether the Status in body has a cause for field.
func hasCause(body []byte, field string) bool {
	var status metav1.Status
	if json.Unmarshal(body, &status) != nil || status.Details == nil {
		return false
	}
	for _, c := range status.Details.Causes {
		if c.Field == field {
			return true
		}
	}
	return false
}

// ns is the JSON of a namespace called name.
func ns(name string) string {
	return `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + name + `"}}`
}

// rvPlus returns rv moved on by n.
func rvPlus(t *testing.T, rv string, n int) string {
	t.Helper()
	v, err := strconv.Atoi(rv)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", rv, err)
	}
	return strconv.Itoa(v + n)
}
