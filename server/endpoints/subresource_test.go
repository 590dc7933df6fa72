package endpoints_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/registry"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// keepSpecStrategy is a status strategy: an update keeps the stored
// spec.
type keepSpecStrategy struct{ rest.MetadataStrategy }

func (keepSpecStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*unstructured.Unstructured).Object["spec"] = old.(*unstructured.Unstructured).Object["spec"]
}

func (keepSpecStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// TestTheStatusSubresourceKeepsTheSpec serves a resource with a status
// strategy: PUT …/status changes the status and not the spec; discovery
// lists the subresource; a resource without one answers 404 there.
func TestTheStatusSubresourceKeepsTheSpec(t *testing.T) {
	info := namedGroups()[1] // apiservices
	info.Resources[0].StatusStrategy = keepSpecStrategy{rest.NewMetadataStrategy(rest.UnstructuredObjectTyper, false)}
	s := httptest.NewServer(newMuxWith(t, info, namedGroups()[0]))
	defer s.Close()
	base := "/apis/apiregistration.k8s.io/v1beta1/apiservices"
	obj := `{"apiVersion":"apiregistration.k8s.io/v1beta1","kind":"APIService","metadata":{"name":"v1."},"spec":{"version":"v1"}}`
	if resp, body := do(t, s, call{method: "POST", path: base, body: obj, contentType: jsonType}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", resp.StatusCode, body)
	}
	update := `{"apiVersion":"apiregistration.k8s.io/v1beta1","kind":"APIService","metadata":{"name":"v1."},` +
		`"spec":{"version":"v2"},"status":{"conditions":[{"type":"Available","status":"True"}]}}`
	resp, body := do(t, s, call{method: "PUT", path: base + "/v1./status", body: update, contentType: jsonType})
	var got struct {
		Spec   struct{ Version string }
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT status = %d %s", resp.StatusCode, body)
	}
	if got.Spec.Version != "v1" || len(got.Status.Conditions) != 1 {
		t.Errorf("after PUT status: %+v; want spec.version v1 kept and the condition set", got)
	}
	if resp, body := do(t, s, call{method: "GET", path: "/apis/apiregistration.k8s.io/v1beta1"}); !strings.Contains(string(body), `"name":"apiservices/status"`) {
		t.Errorf("discovery (%d) does not list apiservices/status: %s", resp.StatusCode, body)
	}
	resp, _ = do(t, s, call{method: "GET", path: "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions/x/status"})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET status of a resource without the subresource = %d; want 404", resp.StatusCode)
	}
}

// refusingStorage is a resource's own storage: it refuses every create,
// as the service REST refuses a cluster IP that is taken.
type refusingStorage struct{ *registry.Store }

func (refusingStorage) Create(context.Context, runtime.Object) (runtime.Object, error) {
	return nil, apierrors.NewInvalid(schemaGroupKind, "x", field.ErrorList{field.Invalid(field.NewPath("spec"), "", "refused")})
}

// TestAResourceOwnStorageServesItsVerbs: Resource.Storage's storage, not
// the Store, answers the create.
func TestAResourceOwnStorageServesItsVerbs(t *testing.T) {
	info := namedGroups()[0]
	info.Resources[0].Storage = func(store *registry.Store) endpoints.RESTStorage { return refusingStorage{store} }
	s := httptest.NewServer(newMuxWith(t, info))
	defer s.Close()
	crd := `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"x"}}`
	resp, body := do(t, s, call{method: "POST", path: "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions", body: crd, contentType: jsonType})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "refused") {
		t.Errorf("POST = %d %s; want the storage's 422", resp.StatusCode, body)
	}
}

var schemaGroupKind = metav1.SchemeGroupVersion.WithKind("X").GroupKind()

// createOnUpdate allows a PUT to create.
type createOnUpdate struct{ rest.MetadataStrategy }

func (createOnUpdate) AllowCreateOnUpdate() bool { return true }

// TestAPutCreatesWhenTheStrategyAllows: PUT of a missing object is a 404,
// or, when the strategy allows it, a 201 Created.
func TestAPutCreatesWhenTheStrategyAllows(t *testing.T) {
	for _, allow := range []bool{false, true} {
		info := namedGroups()[0]
		if allow {
			info.Resources[0].Strategy = createOnUpdate{rest.NewMetadataStrategy(rest.UnstructuredObjectTyper, false)}
		}
		s := httptest.NewServer(newMuxWith(t, info))
		crd := `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"x"}}`
		resp, body := do(t, s, call{method: "PUT", path: "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions/x", body: crd, contentType: jsonType})
		want := http.StatusNotFound
		if allow {
			want = http.StatusCreated
		}
		if resp.StatusCode != want {
			t.Errorf("PUT of a missing object, create on update %v = %d %s; want %d", allow, resp.StatusCode, body, want)
		}
		s.Close()
	}
}
