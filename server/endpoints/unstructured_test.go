package endpoints_test

import (
	"encoding/json"
	"net/http"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// object is what a test reads of an unstructured object in JSON.
type object struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       map[string]any    `json:"spec,omitempty"`
	Items      []object          `json:"items,omitempty"`
}

func readObject(t *testing.T, body []byte) object {
	t.Helper()
	var o object
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatalf("reading %s: %v", body, err)
	}
	return o
}

// TestUnstructuredResources stores CustomResourceDefinitions and
// APIServices, which have no Go types here, as the JSON they are sent in.
func TestUnstructuredResources(t *testing.T) {
	tests := []struct {
		collection, apiVersion, kind, name string
		resource                           string // as errors name it
	}{
		{"/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions", "apiextensions.k8s.io/v1beta1",
			"CustomResourceDefinition", "walks.example.com", "customresourcedefinitions.apiextensions.k8s.io"},
		{"/apis/apiregistration.k8s.io/v1beta1/apiservices", "apiregistration.k8s.io/v1beta1",
			"APIService", "v1.example.com", "apiservices.apiregistration.k8s.io"},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			s := newServer(t)
			item := tc.collection + "/" + tc.name
			body := `{"apiVersion":"` + tc.apiVersion + `","kind":"` + tc.kind + `",` +
				`"metadata":{"name":"` + tc.name + `"},"spec":{"group":"example.com"}}`

			resp, out := do(t, s, call{method: "POST", path: tc.collection, body: body, contentType: jsonType})
			created := readObject(t, out)
			if resp.StatusCode != http.StatusCreated || created.Kind != tc.kind || created.APIVersion != tc.apiVersion ||
				created.Metadata.UID == "" || created.Metadata.ResourceVersion != "2" || created.Spec["group"] != "example.com" {
				t.Errorf("POST = %d %s; want 201, the object with a uid, resourceVersion 2 (the first write) and its spec",
					resp.StatusCode, out)
			}

			resp, out = do(t, s, call{method: "GET", path: tc.collection})
			list := readObject(t, out)
			if resp.StatusCode != http.StatusOK || list.Kind != tc.kind+"List" || list.APIVersion != tc.apiVersion ||
				len(list.Items) != 1 || list.Items[0].Metadata.Name != tc.name || list.Metadata.ResourceVersion != "2" {
				t.Errorf("GET list = %d %s; want 200 and a %sList of one at resourceVersion 2",
					resp.StatusCode, out, tc.kind)
			}

			// The get's answer, changed, goes back as an update.
			_, out = do(t, s, call{method: "GET", path: item})
			got := readObject(t, out)
			got.Spec["group"] = "example.org"
			update, _ := json.Marshal(got)
			resp, out = do(t, s, call{method: "PUT", path: item, body: string(update)})
			updated := readObject(t, out)
			if resp.StatusCode != http.StatusOK || updated.Spec["group"] != "example.org" ||
				updated.Metadata.ResourceVersion != "3" || updated.Metadata.UID != created.Metadata.UID {
				t.Errorf("PUT = %d %s; want 200, the new spec, resourceVersion 3 and the same uid", resp.StatusCode, out)
			}

			resp, out = do(t, s, call{method: "DELETE", path: item})
			if resp.StatusCode != http.StatusOK || readObject(t, out).Metadata.Name != tc.name {
				t.Errorf("DELETE = %d %s; want 200 and the object", resp.StatusCode, out)
			}
			resp, out = do(t, s, call{method: "GET", path: item})
			wantStatus(t, "GET after DELETE", resp, out, http.StatusNotFound, metav1.StatusReasonNotFound,
				tc.resource+` "`+tc.name+`" not found`)
		})
	}
}
