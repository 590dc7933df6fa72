package apiservice_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kubewalk/kubewalk/server/apis/apiregistration"
	"github.com/kubewalk/kubewalk/server/registry/apiregistration/apiservice"
	"github.com/kubewalk/kubewalk/server/registry/rest"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func apiService(t *testing.T, name, group, version string, groupPriority, versionPriority int32) *unstructured.Unstructured {
	t.Helper()
	u, err := apiregistration.ToUnstructured(&apiregistration.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: apiregistration.APIServiceSpec{Group: group, Version: version,
			GroupPriorityMinimum: groupPriority, VersionPriority: versionPriority},
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestValidateAsV17(t *testing.T) {
	tests := []struct {
		name string
		obj  *unstructured.Unstructured
		want string
	}{
		{"the legacy group", apiService(t, "v1.", "", "v1", 18000, 1), ""},
		{"apiextensions", apiService(t, "v1beta1.apiextensions.k8s.io", "apiextensions.k8s.io", "v1beta1", 16700, 9), ""},
		{"name not version.group", apiService(t, "extensions", "apiextensions.k8s.io", "v1beta1", 16700, 9),
			"must be `spec.version+\".\"+spec.group`: \"v1beta1.apiextensions.k8s.io\""},
		{"empty group, not v1", apiService(t, "v2.", "", "v2", 18000, 1), "only v1 may have an empty group"},
		{"group priority too high", apiService(t, "v1.g.io", "g.io", "v1", 20001, 1), "must be positive and less than 20000"},
		{"version priority zero", apiService(t, "v1.g.io", "g.io", "v1", 1, 0), "must be positive and less than 1000"},
	}
	s := apiservice.NewStrategy(rest.UnstructuredObjectTyper)
	for _, tt := range tests {
		got := s.Validate(context.Background(), tt.obj).ToAggregate()
		if tt.want == "" && got != nil || tt.want != "" && (got == nil || !strings.Contains(got.Error(), tt.want)) {
			t.Errorf("%s: Validate = %v; want %q", tt.name, got, tt.want)
		}
	}
}

// TestStatusAndSpecAreWrittenApart: a create drops the status, an update
// keeps the stored status, a status update keeps the stored spec.
func TestStatusAndSpecAreWrittenApart(t *testing.T) {
	ctx := context.Background()
	available := func(u *unstructured.Unstructured) *unstructured.Unstructured {
		a, _ := apiregistration.FromUnstructured(u)
		apiregistration.SetAPIServiceCondition(a, apiregistration.NewLocalAvailableAPIServiceCondition())
		out, _ := apiregistration.ToUnstructured(a)
		return out
	}
	s := apiservice.NewStrategy(rest.UnstructuredObjectTyper)
	created := available(apiService(t, "v1.", "", "v1", 18000, 1))
	s.PrepareForCreate(ctx, created)
	if _, ok := created.Object["status"]; ok {
		t.Error("PrepareForCreate kept the status")
	}

	stored := available(apiService(t, "v1.", "", "v1", 18000, 1))
	update := apiService(t, "v1.", "", "v1", 17000, 1)
	s.PrepareForUpdate(ctx, update, stored)
	if a, _ := apiregistration.FromUnstructured(update); !apiregistration.IsAPIServiceConditionTrue(a, apiregistration.Available) ||
		a.Spec.GroupPriorityMinimum != 17000 {
		t.Errorf("after PrepareForUpdate: %+v; want the new spec and the stored status", a)
	}

	statusUpdate := available(apiService(t, "v1.", "", "v1", 1, 1))
	apiservice.NewStatusStrategy(rest.UnstructuredObjectTyper).PrepareForUpdate(ctx, statusUpdate, apiService(t, "v1.", "", "v1", 18000, 1))
	if a, _ := apiregistration.FromUnstructured(statusUpdate); a.Spec.GroupPriorityMinimum != 18000 ||
		!apiregistration.IsAPIServiceConditionTrue(a, apiregistration.Available) {
		t.Errorf("after the status strategy's PrepareForUpdate: %+v; want the stored spec and the new status", a)
	}
}
