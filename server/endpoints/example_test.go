package endpoints_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/kubewalk/kubewalk/server/endpoints"
	"github.com/kubewalk/kubewalk/server/mux"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The aggregator's group: one resource without Go types, so it is stored
// as the JSON it is sent in. Installing it adds three paths to the mux.
func ExampleInstallAPIGroup() {
	m := mux.NewPathRecorderMux("kube-aggregator")
	info := &endpoints.APIGroupInfo{
		GroupVersion: schema.GroupVersion{Group: "apiregistration.k8s.io", Version: "v1beta1"},
		Resources:    []endpoints.Resource{{Name: "apiservices", Kind: "APIService"}},
	}
	if err := endpoints.InstallAPIGroup(context.Background(), m, info); err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range m.ListedPaths() {
		fmt.Println(path)
	}
	for _, path := range []string{
		"/apis/apiregistration.k8s.io/v1beta1",
		"/apis/apiregistration.k8s.io/v1beta1/apiservices/v1.example.com",
	} {
		w := httptest.NewRecorder()
		m.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// /apis/apiregistration.k8s.io
	// /apis/apiregistration.k8s.io/v1beta1
	// /apis/apiregistration.k8s.io/v1beta1/
	// 200 {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apiregistration.k8s.io/v1beta1","resources":[{"name":"apiservices","singularName":"apiservice","namespaced":false,"kind":"APIService","verbs":["create","delete","get","list","patch","update","watch"]}]}
	// 404 {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"apiservices.apiregistration.k8s.io \"v1.example.com\" not found","reason":"NotFound","details":{"name":"v1.example.com","group":"apiregistration.k8s.io","kind":"apiservices"},"code":404}
}
