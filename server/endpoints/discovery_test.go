package endpoints_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/kubewalk/kubewalk/server/endpoints"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var allVerbs = metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}

// group is the discovery document of a group with one version.
func group(name, version string) metav1.APIGroup {
	v := metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + version, Version: version}
	return metav1.APIGroup{Name: name, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v}
}

// TestDiscovery reads every discovery document, in each media type a
// client may ask for, and compares it with what the groups declare.
func TestDiscovery(t *testing.T) {
	crds := group("apiextensions.k8s.io", "v1beta1")
	apiservices := group("apiregistration.k8s.io", "v1beta1")
	tests := []struct {
		path string
		kind string
		want runtime.Object // its type is the type to decode into
	}{
		{"/api", "APIVersions", &metav1.APIVersions{Versions: []string{"v1"}}},
		{"/api/v1", "APIResourceList", &metav1.APIResourceList{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "namespaces", SingularName: "namespace", Kind: "Namespace", Verbs: allVerbs, ShortNames: []string{"ns"}},
			{Name: "configmaps", SingularName: "configmap", Namespaced: true, Kind: "ConfigMap", Verbs: allVerbs,
				ShortNames: []string{"cm"}},
		}}},
		{"/apis", "APIGroupList", &metav1.APIGroupList{Groups: []metav1.APIGroup{crds, apiservices}}},
		{"/apis/apiextensions.k8s.io", "APIGroup", &crds},
		{"/apis/apiextensions.k8s.io/v1beta1", "APIResourceList", &metav1.APIResourceList{
			GroupVersion: "apiextensions.k8s.io/v1beta1",
			APIResources: []metav1.APIResource{{Name: "customresourcedefinitions", SingularName: "customresourcedefinition",
				Kind: "CustomResourceDefinition", Verbs: allVerbs, ShortNames: []string{"crd", "crds"}}},
		}},
		{"/apis/apiregistration.k8s.io", "APIGroup", &apiservices},
		{"/apis/apiregistration.k8s.io/v1beta1", "APIResourceList", &metav1.APIResourceList{
			GroupVersion: "apiregistration.k8s.io/v1beta1",
			APIResources: []metav1.APIResource{{Name: "apiservices", SingularName: "apiservice",
				Kind: "APIService", Verbs: allVerbs}},
		}},
	}
	s := newServer(t)
	for _, mediaType := range []string{jsonType, "application/yaml", protobufType} {
		for _, tc := range tests {
			resp, body := do(t, s, call{method: "GET", path: tc.path, accept: mediaType})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaType {
				t.Errorf("GET %s in %s = %d, %s; want 200, %[2]s", tc.path, mediaType,
					resp.StatusCode, resp.Header.Get("Content-Type"))
				continue
			}
			got := reflect.New(reflect.TypeOf(tc.want).Elem()).Interface().(runtime.Object)
			if kind := decode(t, body, got); kind != tc.kind {
				t.Errorf("GET %s in %s: kind %q; want %q", tc.path, mediaType, kind, tc.kind)
			}
			got.GetObjectKind().SetGroupVersionKind(tc.want.GetObjectKind().GroupVersionKind())
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GET %s in %s = %+v; want %+v", tc.path, mediaType, got, tc.want)
			}
		}
	}
}

// TestDiscoveryJSONShape checks what JSON clients see of /apis on the
// wire: apiVersion v1 (which upstream leaves out there), and "groups": []
// rather than null when there are none.
func TestDiscoveryJSONShape(t *testing.T) {
	w := httptest.NewRecorder()
	h := endpoints.GroupsHandler(func() []metav1.APIGroup { return nil })
	h.ServeHTTP(w, httptest.NewRequest("GET", "/apis", nil))
	want := `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}` + "\n"
	if got := w.Body.String(); w.Code != http.StatusOK || got != want {
		t.Errorf("GET /apis with no groups = %d %q; want 200 %q", w.Code, got, want)
	}
}

// TestGroupsHandlerAsksEachTime shows that /apis lists the groups as they
// are when it is asked, not when it was installed.
func TestGroupsHandlerAsksEachTime(t *testing.T) {
	var groups []metav1.APIGroup
	h := endpoints.GroupsHandler(func() []metav1.APIGroup { return groups })
	for _, name := range []string{"a.example.com", "b.example.com"} {
		groups = append(groups, group(name, "v1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/apis", nil))
		var list metav1.APIGroupList
		decode(t, w.Body.Bytes(), &list)
		if len(list.Groups) != len(groups) {
			t.Errorf("after adding %s, /apis lists %d groups; want %d", name, len(list.Groups), len(groups))
		}
	}
}

// TestDiscoveryDoesNotShareShortNames changes the caller's ShortNames
// after installing: discovery must not change with them.
func TestDiscoveryDoesNotShareShortNames(t *testing.T) {
	info := namedGroups()[0]
	m := newMuxWith(t, info)
	info.Resources[0].ShortNames[0] = "changed"
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("GET", "/apis/apiextensions.k8s.io/v1beta1", nil))
	var list metav1.APIResourceList
	decode(t, w.Body.Bytes(), &list)
	if got := list.APIResources[0].ShortNames; !reflect.DeepEqual(got, []string{"crd", "crds"}) {
		t.Errorf("short names after the caller changed its slice = %q; want [crd crds]", got)
	}
}
